"""The floor: the sample `both` handout's texts on BIZ UD Gothic, rendered by a bare ReportLab script.

    python benchmarks/floor.py OUT.pdf [NAME]

The simplest way: stock Paragraphs with wordWrap='CJK', a SimpleDocTemplate, no figures, no
kinsoku, no font chain, no validation. benchmarks/run.py times it against `handout build`.
"""
import sys
from pathlib import Path
from xml.sax.saxutils import escape

import yaml
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "handouts"

pdfmetrics.registerFont(TTFont("Gothic", str(REPO / "fonts" / "BIZUDGothic-Regular.ttf")))
pdfmetrics.registerFont(TTFont("Gothic-Bold", str(REPO / "fonts" / "BIZUDGothic-Bold.ttf")))
TEXTS = yaml.safe_load((CONTENT / "texts.yaml").read_text(encoding="utf-8"))
CLINIC = yaml.safe_load((CONTENT / "clinic.yaml").read_text(encoding="utf-8"))
STRETCHES = yaml.safe_load((CONTENT / "stretches.yaml").read_text(encoding="utf-8"))["stretches"]


def style(size, bold=False):
    return ParagraphStyle("s", fontName="Gothic-Bold" if bold else "Gothic", fontSize=size, leading=size * 1.7,
                          wordWrap="CJK")


BODY, H2, TITLE, SMALL = style(12), style(14, True), style(18, True), style(10.5)


def story(name: str) -> list:
    cause = TEXTS["cause"]
    parts = [Paragraph(escape(CLINIC["name"]), BODY), Paragraph(escape(TEXTS["title"]), TITLE),
             Paragraph(escape(f"{name} 様　2026年11月25日"), TITLE), Paragraph(escape(TEXTS["for_whom"]), BODY),
             Paragraph(escape(cause["heading"]), H2)]
    parts += [Paragraph(escape(p), BODY) for p in cause["paragraphs"]]
    parts += [Paragraph(escape(f'{cause[a]["heading"]}：{cause[a]["text"]}'), BODY) for a in ("upper", "lower")]
    parts += [Paragraph(escape(TEXTS["rules"]["heading"]), H2)]
    parts += [Paragraph(escape(f"{i}. {r}"), BODY) for i, r in enumerate(TEXTS["rules"]["items"], 1)]
    for number, s in enumerate(STRETCHES, 1):
        parts += [Spacer(1, 3 * mm), Paragraph(escape(f"{number} {s['title']}　ねらい：{s['target']}"), H2),
                  Paragraph(escape(f"{s['hold_seconds']}秒 × {s['reps']}回 ・ 1日{s['sets_per_day']}セット"), H2)]
        parts += [Paragraph(escape(f"{i}. {step}"), BODY) for i, step in enumerate(s["steps"], 1)]
        parts += [Paragraph(escape(f"※ {c}"), BODY) for c in s.get("cautions", [])]
    safety = TEXTS["safety"]
    parts += [Paragraph(escape(safety["heading"]), H2)]
    parts += [Paragraph(escape(f"● {item}"), BODY) for item in [*safety["items"], safety["next_day"]]]
    for heading, flags in (("urgent_heading", "urgent"), ("soon_heading", "soon")):
        parts += [Paragraph(escape(safety[heading]), H2)]
        parts += [Paragraph(escape(f"■ {item}"), BODY) for item in safety[flags]]
    return parts


def footer(canvas, _doc):
    canvas.setFont("Gothic", 10.5)
    canvas.drawString(17 * mm, 20 * mm, f'{CLINIC["name"]}　電話 {CLINIC["phone"]}　{CLINIC["address"]}')
    canvas.drawString(17 * mm, 15 * mm, "受付時間：" + "　".join(CLINIC["hours"]))
    canvas.drawString(17 * mm, 10 * mm, CLINIC["url"])


def render(name: str = "山田 花子") -> bytes:
    import io

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=17 * mm, rightMargin=17 * mm, topMargin=13 * mm,
                            bottomMargin=28 * mm, invariant=1, initialFontName="Gothic")
    doc.build(story(name), onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


if __name__ == "__main__":
    Path(sys.argv[1]).write_bytes(render(*sys.argv[2:3]))
