"""docs/guide-ja.md, the guide for the clinic, cannot drift from the tool: every `handout` command it
shows exists with those options, its CSV and YAML examples pass `handout validate`, its table of
messages quotes words the code prints, and its pictures exist."""
import re
import shlex
import shutil

import click
import pytest
from click.testing import CliRunner
from PIL import Image

from clinic_handout.cli import cli

from .conftest import REPO

GUIDE_PATH = REPO / "docs" / "guide-ja.md"
GUIDE = GUIDE_PATH.read_text(encoding="utf-8") if GUIDE_PATH.exists() else ""
README = (REPO / "README.md").read_text(encoding="utf-8")
SOURCE = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "src" / "clinic_handout").glob("*.py"))


def code_blocks(language: str | None = None) -> list[str]:
    return [body for lang, body in re.findall(r"```(\w*)\n(.*?)```", GUIDE, re.S) if language in (None, lang)]


def handout_commands() -> list[str]:
    """Every `handout …` the guide shows: lines of its code blocks, and inline code in its text."""
    lines = [line.strip() for block in code_blocks() for line in block.splitlines()]
    inline = re.findall(r"`(handout [^`]+)`", GUIDE)
    return [c for c in lines + inline if c.startswith("handout ")]


def section(marker: str) -> str:
    found = re.search(rf"<!-- {marker} -->\n(.*?)<!-- /{marker} -->", GUIDE, re.S)
    assert found, f"guide-ja.md lacks <!-- {marker} -->"
    return found.group(1)


def table_rows(markdown: str) -> list[list[str]]:
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in markdown.strip().splitlines()]
    return rows[2:]  # without the header and the --- line


def test_the_guide_exists_and_the_readme_links_to_it_at_the_top():
    assert GUIDE_PATH.exists()
    top = "\n".join(README.splitlines()[:8])
    assert "(docs/guide-ja.md)" in top


def test_the_guide_shows_commands():
    commands = handout_commands()
    assert len(commands) >= 12
    for needed in ("handout new", "handout batch", "handout validate", "handout init", "handout send"):
        assert any(c.startswith(needed) for c in commands), needed


def options_of(command: click.Command) -> set[str]:
    return {opt for param in command.params if isinstance(param, click.Option) for opt in param.opts} | {"-h", "--help"}


def test_every_command_the_guide_shows_exists_in_handout_help():
    main_help = CliRunner().invoke(cli, ["--help"]).output
    listed = main_help[main_help.index("Commands:"):]
    for line in handout_commands():
        words = shlex.split(line.replace("\\", "/"))[1:]
        while words and words[0].startswith("-"):  # handout --verbose …, handout --version
            assert words[0] in options_of(cli) | {"--version"} and words[0] in main_help, line
            words.pop(0)
        if not words:
            continue
        name, options = words[0], [w for w in words[1:] if w.startswith("-")]
        assert name in cli.commands, f"guide: `{line}`: no command {name!r}"
        assert re.search(rf"^\s+{name}\s", listed, re.M), f"`handout --help` does not list {name}"
        helped = CliRunner().invoke(cli, [name, "--help"]).output
        for option in options:
            assert option in options_of(cli.commands[name]) and option in helped, \
                f"guide: `{line}`: `handout {name} --help` has no option {option}"


def column_table() -> list[tuple[list[str], str, str]]:
    """(the Japanese headers, the English header, the example) of each row of the guide's column table."""
    rows = table_rows(section("guide-columns"))
    return [(re.findall(r"`([^`]+)`", row[0]), row[1].strip("`"), row[3]) for row in rows]


def test_the_csv_example_and_the_column_table_pass_validate(tmp_path):
    csv_text = re.search(r"<!-- guide-csv -->\n```csv\n(.*?)```", GUIDE, re.S).group(1)
    example = tmp_path / "today.csv"
    example.write_text(csv_text, encoding="utf-8")
    files = [example]
    # rows made of the column table's own examples: one file with each Japanese header, one in English
    rows = column_table()
    for n in range(max(len(japanese) for japanese, _, _ in rows)):
        headers = [japanese[min(n, len(japanese) - 1)] for japanese, _, _ in rows]
        files.append(tmp_path / f"japanese-{n}.csv")
        files[-1].write_text(",".join(headers) + "\n" + ",".join(v for _, _, v in rows) + "\n", encoding="utf-8")
    files.append(tmp_path / "english.csv")
    files[-1].write_text(",".join(e for _, e, _ in rows) + "\n" + ",".join(v for _, _, v in rows) + "\n",
                         encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert "使わない列" not in result.output  # every header of the table is one the tool reads


def test_the_column_table_names_the_columns_the_readme_documents():
    front_desk = README[README.index("## Front desk"):README.index("## Email")]
    for japanese, english, _ in column_table():
        for header in japanese + [english]:
            assert f"`{header}`" in front_desk, f"{header} is in the guide's column table but not in the README's"


def test_the_yaml_examples_pass_validate(tmp_path):
    """The clinic.yaml, stretch and mail.yaml examples, put into a copy of the sample content folder."""
    content = tmp_path / "handouts"
    shutil.copytree(REPO / "handouts", content)
    blocks = code_blocks("yaml")
    clinic, = [b for b in blocks if b.startswith("name:")]
    stretch, = [b for b in blocks if b.startswith("  - id:")]
    mail, = [b for b in blocks if b.startswith("host:")]
    (content / "clinic.yaml").write_text(clinic, encoding="utf-8")
    with (content / "stretches.yaml").open("a", encoding="utf-8") as file:
        file.write("\n" + stretch)
    (content / "mail.yaml").write_text(mail, encoding="utf-8")
    Image.new("RGB", (120, 60), "white").save(content / "logo.png")
    (content / "photos").mkdir()
    Image.new("RGB", (400, 300), "grey").save(content / "photos" / "calf.jpg")
    result = CliRunner().invoke(cli, ["validate", "--content", str(content)])
    assert result.exit_code == 0, result.output
    stretch_id = re.search(r"id: (\S+)", stretch).group(1)
    listed = CliRunner().invoke(cli, ["stretches", "--content", str(content)]).output
    assert stretch_id in listed


def test_the_table_of_messages_quotes_what_handout_prints():
    rows = table_rows(section("guide-messages"))
    assert len(rows) >= 12
    for row in rows:
        quoted = row[0].strip("`")
        assert quoted in SOURCE, f"guide-ja.md quotes {quoted!r}, which the code no longer prints"


@pytest.mark.parametrize("picture", sorted(set(re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", GUIDE))))
def test_every_picture_exists(picture):
    path = GUIDE_PATH.parent / picture
    assert path.exists(), picture
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width >= 400


def test_the_commented_stretch_example_in_the_sample_content_works_once_uncommented(tmp_path):
    """The sample stretches.yaml explains figure:, image: and video_url: with an example an owner uncomments
    by deleting "# " from each line, as its comment says."""
    content = tmp_path / "handouts"
    shutil.copytree(REPO / "handouts", content)
    text = (content / "stretches.yaml").read_text(encoding="utf-8")
    for key in ("figure:", "image:", "image_side:", "video_url:"):
        assert f"#   {key}" in text, key
    head, example = text.split("# ―― 医院のストレッチを足す例 ――")
    lines = [line[2:] for line in example.splitlines() if line.startswith("#   ")]
    assert any("video_url:" in line for line in lines) and any("figure:" in line for line in lines)
    (content / "stretches.yaml").write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--content", str(content)])
    assert result.exit_code == 0, result.output
    assert "calf" in CliRunner().invoke(cli, ["stretches", "--content", str(content)]).output


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation (、・（）.) dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", markdown, re.M)}


def test_every_link_inside_the_guide_and_to_the_readme_leads_somewhere():
    links = re.findall(r"\]\(([^)]*#[^)]+)\)", GUIDE)
    assert links
    for link in links:
        page, anchor = link.split("#", 1)
        target = {"": GUIDE, "../README.md": README}[page]
        assert anchor in anchors(target), link
