"""The README's format tables, made from the field descriptions: `python -m clinic_handout.docs`."""
from .content import CLINIC, FALLBACK_FONT, STRETCH_FIELDS, TEXTS
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
    }


if __name__ == "__main__":
    for name, markdown in tables().items():
        print(f"<!-- {name}-fields -->\n{markdown}\n<!-- /{name}-fields -->\n")
