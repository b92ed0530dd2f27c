"""The exceptions the library raises; the CLI turns them into messages, never tracebacks."""
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, said so that the front desk can fix it."""

    file: Path
    line: int | None
    field: str
    found: str
    expected: str
    excel_row: bool = False  # line is a row of the day's list as Excel numbers it (header: row 1)
    who: str = ""  # the patient's name as typed in that row, so the front desk finds it

    def __str__(self) -> str:
        if self.excel_row and self.line:
            who = f" {self.who}" if self.who else ""
            where = f"{self.file} {self.line}行目{who} (Excel row {self.line})"
        else:
            where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        field = f"  {self.field}" if self.field else ""
        return f"{where}{field}\n    書かれた値 (found):    {self.found}\n    正しくは (expected):   {self.expected}"


class HandoutError(Exception):
    """Base of everything the library reports to the user."""


class InputError(HandoutError):
    """Content or prescription files that cannot make a handout; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class OutputRefused(HandoutError):
    """An output path that would destroy something: an input, another output, a different file already
    there, a device or a symbolic link. The command writes nothing and exits with status 2."""

    exit_code = 2
