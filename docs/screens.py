"""Makes the pictures of docs/guide-ja.md from the real output of `handout` (needs pdftoppm).

    .venv/bin/python docs/screens.py      # writes docs/guide/*.png

Each command runs through click's CliRunner in a scratch folder (typed answers are echoed, as a
terminal shows them); its output is drawn in BIZ UD Gothic on a dark background, under the prompt
line a PowerShell window shows. Only the prompt line (`PS C:\\handout>`) is added, and `today/`
is shown as Windows prints it, `today\\`; the rest is what `handout` printed. Run it again after
changing a message, and look at the pictures.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFont

from clinic_handout.cli import cli

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "guide"
FONT = REPO / "fonts" / "BIZUDGothic-Regular.ttf"
MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")  # Debian fonts-dejavu-core
SIZE, LEADING, PAD = 17, 26, 18  # at 16 px FreeType drops the hairline of ―
BACK, TEXT, PROMPT, TYPED = (12, 12, 12), (204, 204, 204), (249, 241, 165), (97, 214, 214)


def draw(lines: list[tuple[str, tuple]], path: Path, columns: int = 100) -> None:
    """Draws lines on a terminal's grid: ASCII in a monospace font, Japanese in BIZ UD Gothic, two cells wide."""
    japanese = ImageFont.truetype(str(FONT), SIZE)
    latin = ImageFont.truetype(str(MONO), SIZE) if MONO.exists() else japanese
    cell = latin.getlength("M")

    def cells(ch: str) -> int:
        return 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1

    wrapped = []  # a line longer than the window wraps, as in a terminal of that width
    for text, colour in lines:
        row, used = "", 0
        for ch in text:
            if used + cells(ch) > columns:
                wrapped.append((row, colour))
                row, used = "", 0
            row, used = row + ch, used + cells(ch)
        wrapped.append((row, colour))
    lines = wrapped
    width = int(cell * columns) + 2 * PAD
    image = Image.new("RGB", (width, LEADING * len(lines) + 2 * PAD), BACK)
    pen = ImageDraw.Draw(image)
    for row, (text, colour) in enumerate(lines):
        x, baseline = PAD, PAD + row * LEADING + SIZE
        for ch in text:
            font = latin if ord(ch) < 128 else japanese
            span = cells(ch) * cell
            pen.text((x + (span - font.getlength(ch)) / 2, baseline), ch, font=font, fill=colour, anchor="ls")
            x += span
    image.quantize(colors=48).save(path, optimize=True)  # a few colours: a quarter of the bytes
    print(path)


def screen(name: str, args: list[str], typed: list[str] | None = None, folder: Path | None = None,
           shown_args: str | None = None) -> None:
    """Runs `handout ARGS` with the typed answers; draws the prompt, the output, and the answers in colour."""
    result = CliRunner().invoke(cli, args, input="".join(a + "\n" for a in typed) if typed else None,
                                catch_exceptions=False)
    output = result.output
    if folder:
        output = output.replace(str(folder) + os.sep, "")
    output = output.replace("today/", "today\\")  # the separator Windows prints (str(Path) there)
    lines = [(f"PS C:\\handout> handout {shown_args or ' '.join(args)}", PROMPT)]
    for line in output.rstrip("\n").split("\n"):
        if line.startswith("> "):
            lines.append((line, TYPED))
        else:
            lines.append((line, TEXT))
    draw(lines, OUT / f"{name}.png")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        here = Path(scratch)
        os.chdir(here)
        CliRunner().invoke(cli, ["init", "handouts"], catch_exceptions=False)  # the work folder of the guide's 4.
        screen("new", ["new", "-o", str(here / "today")],
               ["山田 花子", "2026/11/31", "2026/11/25", "2", "", "", "田中", "", "", "14", "来週", "2026/12/2",
                "", ""],
               here, shown_args="new -o today")
        pdf, = (here / "today").glob("*.pdf")  # the handout that conversation made, page 1 as printed
        subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(OUT / "new-page-1")], check=True)
        print(OUT / "new-page-1.png")
        (here / "bad.yaml").write_text("patient:\n  name: 山田 花子\narea: middle\nstretches:\n  - id: hamstring\n"
                                       "    reps: 0\n", encoding="utf-8")
        screen("error", ["build", "bad.yaml"], folder=here)
        (here / "today.csv").write_text("名前,部位,日付,担当\n山田 花子,両方,2026/11/25,田中 健\n"
                                        "髙橋 﨑子,下,2026/11/25,\n佐藤 一郎,真ん中,2026/11/25,\n",
                                        encoding="cp932")
        screen("batch", ["batch", "today.csv", "-o", "today", "--merge", "today-print.pdf", "--jobs", "1"],
               folder=here, shown_args="batch today.csv -o today --merge today-print.pdf")
        os.chdir(REPO)


if __name__ == "__main__":
    sys.exit(main())
