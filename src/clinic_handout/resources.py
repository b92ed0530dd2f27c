"""Where the bundled fonts and the built-in sample content are.

In an installed wheel they sit inside the package (clinic_handout/fonts, clinic_handout/sample);
in a source checkout or an editable install they are the repository's top-level fonts/ and
handouts/ folders, which pyproject.toml maps into the wheel.
"""
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_REPO = _PACKAGE.parent.parent


def _find(in_package: str, in_repo: str) -> Path:
    for candidate in (_PACKAGE / in_package, _REPO / in_repo):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"clinic-handout is installed without its {in_package} folder; reinstall it")


def fonts_dir() -> Path:
    return _find("fonts", "fonts")


def sample_content_dir() -> Path:
    return _find("sample", "handouts")
