"""ReportLab's inside is touched from one module only (rl_compat.py), which refuses an untested
ReportLab, and whose replacements are installed by making a PDF, never by checking content."""
import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
import reportlab

from clinic_handout import rl_compat
from clinic_handout.errors import HandoutError

SRC = Path(__file__).resolve().parent.parent / "src" / "clinic_handout"


def reportlab_private_names() -> set[str]:
    """Every _name ReportLab's own code defines or uses: its functions, attributes and module names."""
    names = set()
    for file in Path(reportlab.__file__).parent.rglob("*.py"):
        try:
            tree = ast.parse(file.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            name = (node.attr if isinstance(node, ast.Attribute) else node.name
                    if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else node.id if isinstance(node, ast.Name)
                    else None)
            if name and name.startswith("_") and not name.startswith("__"):
                names.add(name)
    return names


def uses_of_reportlab_inside(path: Path, private: set[str]) -> list[str]:
    """Where a module of ours reaches into ReportLab: `x._name` or getattr(x, "_name") with a name ReportLab
    uses and we never define ourselves, an underscore name imported from reportlab, and an assignment to an
    attribute of a reportlab module (replacing its function or setting its configuration)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    ours = set()  # our own private names: methods, functions, and attributes set on self
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_"):
            ours.add(node.name)
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                        and target.value.id == "self":
                    ours.add(target.attr)
    modules = set()  # names bound to reportlab modules here
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reportlab"):
            for alias in node.names:
                modules.add(alias.asname or alias.name)
                if alias.name.startswith("_"):
                    found.append(f"{path.name}:{node.lineno} imports {alias.name}")
        if isinstance(node, ast.Import):
            modules |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith("reportlab")}
        name = None
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("getattr", "hasattr", "setattr") \
                and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
            name = node.args[1].value
        if isinstance(name, str) and name.startswith("_") and not name.startswith("__") \
                and name in private and name not in ours:
            found.append(f"{path.name}:{node.lineno} uses {name}")
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                        and target.value.id in modules and target.value.id[:1].islower():
                    found.append(f"{path.name}:{node.lineno} sets {target.value.id}.{target.attr}")
    return found


def test_reportlab_private_names_only_in_rl_compat():
    private = reportlab_private_names()
    assert {"_code", "_curr_tx_info", "_startPage", "_handleBulletWidth"} <= private  # the scan sees them
    found = [use for path in sorted(SRC.rglob("*.py")) if path.name != "rl_compat.py"
             for use in uses_of_reportlab_inside(path, private)]
    assert found == []
    assert uses_of_reportlab_inside(SRC / "rl_compat.py", private)  # ... and there they are


@pytest.mark.parametrize("version", ["4.2.5", "3.6.13", "6.0.0", "10.1"])
def test_an_untested_reportlab_is_refused_at_import(monkeypatch, version):
    monkeypatch.setattr(reportlab, "Version", version)
    try:
        with pytest.raises(HandoutError, match=f"ReportLab {version} .*untested"):
            importlib.reload(rl_compat)
    finally:
        monkeypatch.undo()
        importlib.reload(rl_compat)


@pytest.mark.parametrize("version", ["4.3.0", "4.4.9", "5.0.0", "5.1.0"])
def test_the_tested_range_is_accepted(version):
    rl_compat.check_version(version)


def test_validating_installs_nothing_in_reportlab_building_does(tmp_path):
    """In a fresh process: after checking content and a prescription (every character against the fonts),
    ReportLab's ToUnicode writer and stream encoding are its own; after a build, ours. (validate with no
    problems also lays out the standard handout to count its pages: that is a build.)"""
    (tmp_path / "bad.yaml").write_text("patient:\n  name: 𠮷田 花子\narea: middle\n", encoding="utf-8")
    script = f"""
import sys
from pathlib import Path
from reportlab import rl_config
from reportlab.pdfbase import ttfonts
from clinic_handout import app
own = ttfonts.makeToUnicodeCMap, rl_config.useA85
checked = app.validate([Path("bad.yaml")], content_dir={str(SRC.parent.parent / "handouts")!r})
assert [p.field for p in checked.problems] == ["area"], checked.problems
assert (ttfonts.makeToUnicodeCMap, rl_config.useA85) == own, "validate installed something"
assert app.build_handout(Path({str(SRC.parent.parent / "handouts" / "patients" / "yamada-hanako.yaml")!r})).ok
from clinic_handout.fonts import to_unicode_cmap
assert ttfonts.makeToUnicodeCMap is to_unicode_cmap and rl_config.useA85 == 0
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
