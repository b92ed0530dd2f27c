// 一括: the progress bar while a day's list is built (the page reloads itself without this script).
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) { return; }
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", box.getAttribute("data-url"));
    request.onload = function () {
      var state;
      try { state = JSON.parse(request.responseText); } catch (e) { state = null; }
      if (!state || (state.state !== "waiting" && state.state !== "building")) { window.location.reload(); return; }
      if (state.state === "building") {
        bar.max = Math.max(state.total, 1); bar.value = state.done;
        text.textContent = state.done + " / " + state.total + " 人";
      }
      window.setTimeout(poll, 400);
    };
    request.onerror = function () { window.setTimeout(poll, 2000); };
    request.send();
  }
  window.setTimeout(poll, 300);
})();
