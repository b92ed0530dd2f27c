// The desk's only script: small comforts on top of pages that work without it.
(function () {
  "use strict";
  var form = document.getElementById("new-form");
  if (form) {
    var defaults = JSON.parse(form.getAttribute("data-defaults") || "{}");
    var shown = document.getElementById("area_shown");
    // Choosing the area ticks that area's stretches (the server does the same when this script is off).
    Array.prototype.forEach.call(form.querySelectorAll("input[name=area]"), function (radio) {
      radio.addEventListener("change", function () {
        var chosen = defaults[radio.value] || [];
        Array.prototype.forEach.call(form.querySelectorAll("input[type=checkbox][name^='s-']"), function (box) {
          box.checked = chosen.indexOf(box.name.slice(2)) >= 0;
          box.closest(".stretch").className = "stretch " + (box.checked ? "on" : "off");
        });
        Array.prototype.forEach.call(form.querySelectorAll(".choice"), function (label) {
          label.classList.toggle("chosen", label.contains(radio));
        });
        shown.value = radio.value;
      });
    });
    Array.prototype.forEach.call(form.querySelectorAll("input[type=checkbox][name^='s-']"), function (box) {
      box.addEventListener("change", function () { box.closest(".stretch").className = "stretch " + (box.checked ? "on" : "off"); });
    });
    // A second click while the first is being built would build (or save) twice.
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (form.getAttribute("data-busy")) { event.preventDefault(); return; }
      form.setAttribute("data-busy", "1");
      if (button) {
        var keep = document.createElement("input");
        keep.type = "hidden"; keep.name = button.name; keep.value = button.value;
        form.appendChild(keep);
        button.textContent = "作っています…";
      }
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) { b.disabled = true; });
    });
  }
  // 終了 by a slip of the mouse would throw away the handout being made: ask once.
  Array.prototype.forEach.call(document.querySelectorAll("form.quit"), function (quit) {
    quit.addEventListener("submit", function (event) {
      if (!window.confirm("受付の画面を終わりますか？（作りかけの案内は消えます）")) { event.preventDefault(); }
    });
  });
  var problems = document.getElementById("problems");
  if (problems) { problems.focus(); }
  var preview = document.getElementById("preview");
  if (preview && preview.getAttribute("data-print") === "1") {
    preview.addEventListener("load", function () {
      try { preview.contentWindow.focus(); preview.contentWindow.print(); } catch (e) { /* the link is there */ }
    });
  }
})();
