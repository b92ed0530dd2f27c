"""click's usage errors (a missing file, a mistyped option, a bad value) said in Japanese first.

click words them in English for a programmer ("Invalid value for 'PRESCRIPTION': Path 'x.yaml' does
not exist."); the front desk gets a Japanese sentence with what to do, and click's own words in
brackets for whoever helps them.
"""
from __future__ import annotations

import re

import click


def _param(error: click.ClickException) -> str:
    param = getattr(error, "param", None)
    if param is None:
        return getattr(error, "param_hint", None) or ""
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return (param.name or "").upper()


def japanese(error: click.ClickException) -> str:
    """One Japanese sentence for a click usage error: what is wrong and what to type instead."""
    message = error.message if hasattr(error, "message") else str(error)
    if isinstance(error, click.NoSuchOption):
        close = f"もしかして {' / '.join(error.possibilities)}？ " if error.possibilities else ""
        return f"「{error.option_name}」というオプションはありません。{close}使えるオプションは -h で見られます"
    if isinstance(error, click.MissingParameter):
        what = _param(error)
        if error.param_type == "argument" or isinstance(error.param, click.Argument):
            return f"{what} を指定してください（ファイル名やフォルダ名が足りません）"
        return f"オプション {what} が必要です。{what} の後に値を書いてください"
    if isinstance(error, click.BadOptionUsage):
        if "requires an argument" in message:
            return f"オプション {error.option_name} の後に値を書いてください"
        return f"オプション {error.option_name} の使い方が違います"
    if isinstance(error, click.BadParameter):
        what = _param(error)
        return f"{what}: {_bad_value(message)}"
    if match := re.match(r"No such command '(.+?)'", message):
        name = match[1]
        if name.lower().endswith((".yaml", ".yml")):
            return f"コマンドが抜けています。1枚作るなら: handout build {name}"
        if name.lower().endswith(".csv"):
            return f"コマンドが抜けています。まとめて作るなら: handout batch {name} -o フォルダ名"
        meant = re.search(r"Did you mean '(.+?)'", error.format_message())
        hint = f"もしかして {meant[1]}？ " if meant else ""
        return f"「{name}」というコマンドはありません。{hint}使えるコマンドは handout -h で見られます"
    if extra := re.match(r"Got unexpected extra arguments? \((.+)\)", message):
        return (f"余分な引数があります: {extra[1]}。ファイル名に空白があるときは \"…\" で囲んでください")
    if message.startswith("Missing command"):
        return "コマンドを指定してください（例: handout build ファイル.yaml）"
    if isinstance(error, click.FileError):
        return f"ファイルを開けません: {error.ui_filename}"
    return "コマンドの書き方が違います"


def _bad_value(message: str) -> str:
    """click's reason a value is wrong, in Japanese."""
    rules = [
        (r"(?:Path|File) '(.+?)' does not exist",
         "ファイル「{0}」がありません。名前と場所（フォルダ）を確かめてください"),
        (r"Directory '(.+?)' does not exist", "フォルダ「{0}」がありません"),
        (r"(?:File|Path) '(.+?)' is a directory", "「{0}」はフォルダです。ファイルを指定してください"),
        (r"Directory '(.+?)' is a file", "「{0}」はファイルです。フォルダを指定してください"),
        (r"(?:File|Path|Directory) '(.+?)' is not readable", "「{0}」を読めません（権限がありません）"),
        (r"'(.*?)' is not a valid integer", "「{0}」は数ではありません。半角の数字で書いてください"),
        (r"(.+?) is not in the range (-?[0-9]+)<=x<=(-?[0-9]+)", "{0} は使えません。{1}〜{2} の数で書いてください"),
        (r"(.+?) is not in the range x>=(-?[0-9]+)", "{0} は使えません。{1} 以上の数で書いてください"),
        (r"(.+?) is not in the range (.+?)\.?$", "{0} は使えません（{1}）"),
        (r"'(.*?)' is not one of (.+)", "「{0}」は選べません。次のどれか: {1}"),
        (r"'(.*?)' is not a valid boolean", "「{0}」ははい/いいえになりません"),
    ]
    for pattern, japanese_text in rules:
        if match := re.match(pattern, message):
            return japanese_text.format(*match.groups())
    return "値が正しくありません"


def show(error: click.ClickException) -> None:
    """Prints the error as the front desk reads it: Japanese, click's English, usage and where to find help."""
    ctx = getattr(error, "ctx", None)
    english = error.format_message()
    click.echo(f"エラー: {japanese(error)}\n  ({english})", err=True)
    if isinstance(error, click.UsageError) and ctx is not None:
        click.echo(f"使い方 (usage): {ctx.get_usage().removeprefix('Usage: ')}", err=True)
        click.echo(f"説明 (help): {ctx.command_path} -h", err=True)
