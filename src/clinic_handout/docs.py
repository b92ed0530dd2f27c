"""The README's format tables, made from the field descriptions.

    python -m clinic_handout.docs                     # print them
    python -m clinic_handout.docs --update README.md  # rewrite them in place
"""
import functools
import re
import sys
from pathlib import Path

from .content import CLINIC, FALLBACK_FONT, STRETCH_FIELDS, TEXTS
from .mail_settings import MAIL
from .prescription import PATIENT, StretchChoice, prescription_kind
from .schema import Record


def table(record: Record, prefix: str = "") -> str:
    rows = ["| field | required | holds | meaning |", "|---|---|---|---|"]
    for field in record.fields.values():
        required = "yes" if field.required else (f"no (default `{field.default}`)"
                                                 if field.default not in (None, ()) else "no")
        rows.append(f"| `{prefix}{field.name}` | {required} | {field.kind.doc} | {field.description} |")
    return "\n".join(rows)


def tables() -> dict[str, str]:
    """Each table under the name of the README marker it belongs between."""
    return {
        "prescription": "\n\n".join([
            table(prescription_kind(None)),
            table(PATIENT, "patient."),
            table(StretchChoice(None).record, "stretches[]."),
        ]),
        "clinic": table(CLINIC),
        "texts": table(TEXTS),
        "stretches": table(Record(STRETCH_FIELDS), "stretches[]."),
        "fonts": table(FALLBACK_FONT, "fallback[]."),
        "mail": table(MAIL),
    }


def _between(markers: re.Match[str], table: str) -> str:
    return markers.group(1) + table + markers.group(2)


def update(path: Path) -> None:
    """Rewrites each table between its markers in path (the README)."""
    text = path.read_text(encoding="utf-8")
    for name, markdown in tables().items():
        text = re.sub(rf"(<!-- {name}-fields -->\n).*?(\n<!-- /{name}-fields -->)",
                      functools.partial(_between, table=markdown), text, flags=re.S)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--update"]:
        update(Path(sys.argv[2]))
    else:
        for name, markdown in tables().items():
            print(f"<!-- {name}-fields -->\n{markdown}\n<!-- /{name}-fields -->\n")
