"""The `handout` command: parses, calls the library, prints. ReportLab is imported only to make a PDF."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from . import __version__, app
from .errors import HandoutError

CONTENT_HELP = "内容フォルダ (content folder). Default: $HANDOUT_CONTENT, else ./handouts, else the built-in sample."
ALLOW_MISSING = click.option(
    "--allow-missing-glyphs", is_flag=True,
    help="フォントにない文字を 〓 で印刷 (print a character no font has as 〓, with a warning, instead of "
         "refusing: for when a handout must go out now).")
OVERWRITE = click.option("--overwrite", is_flag=True,
                         help="中身の違う既存のファイルを置きかえる (replace an existing file with different contents; "
                              "without it such a file is kept and the command refuses).")
DATA = click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
                    help="履歴のフォルダ (the history's folder). Default: $HANDOUT_DATA, else handout-data beside the "
                         "content folder.")
LARGE_PRINT = click.option("--large-print", is_flag=True,
                           help="大きな文字 (body text 14 pt instead of 12; more pages are fine).")


class _HandoutGroup(click.Group):
    """Turns the library's errors into one message and exit 1; never a traceback unless --verbose.
    click's own usage errors (a missing file, a bad option or value) are said in Japanese first."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from . import usage_ja

        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as error:  # `handout` alone: its help
            error.show()
            sys.exit(error.exit_code)
        except click.ClickException as error:
            usage_ja.show(error)
            sys.exit(error.exit_code)
        except click.Abort:  # Ctrl-C or the end of input at a question (click says "Aborted!")
            click.echo("中止しました (aborted)", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HandoutError as exc:
            failure = app.failure_from(exc)
            click.echo(failure.message, err=True)
            ctx.exit(failure.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # `handout history | head`: the reader has what it wanted; not an error to report
            # Python flushes stdout again at exit and would complain: point it at nothing (Python's own advice).
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(1)
        except Exception:
            if ctx.params.get("verbose"):
                raise
            error = sys.exc_info()[1]
            click.echo(f"内部エラー (internal error): {type(error).__name__}: {error}\n"
                       "--verbose を付けて実行すると詳細が出ます (run with --verbose for details).", err=True)
        ctx.exit(1)


@click.group(cls=_HandoutGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handout")
@click.option("--verbose", is_flag=True, help="Show Python tracebacks (for reporting a bug).")
def cli(verbose: bool) -> None:
    """腰痛ストレッチのハンドアウト (PDF) を作ります。
    Makes personalised A4 stretch handouts for patients with recurring lower-back pain.

    \b
    Examples:
      handout new                                  (質問に答えて1枚 / answer questions)
      handout build handouts/patients/yamada-hanako.yaml
      handout batch today.csv -o today --merge today-print.pdf
      handout send patient.yaml --dry-run
      handout validate --content my-clinic today.csv
      handout init my-clinic
    """


def _show(result: app.Result) -> None:
    """Prints a use case's notices (remarks on stdout, warnings and errors on stderr), then its failure and
    exit status, or what it did."""
    for notice in result.notices:
        click.echo(notice.text, err=notice.kind != "info")
    if result.failure is not None:
        click.echo(result.failure.message, err=True)
        click.get_current_context().exit(result.failure.exit_code)
    if result.done:
        click.echo(result.done)


@cli.command()
@click.argument("prescription", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="書き出す PDF (the PDF to write). Default: DATE_NAME.pdf in the current folder.")
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
@DATA
@ALLOW_MISSING
@LARGE_PRINT
@OVERWRITE
def build(prescription: Path, output: Path | None, content_dir: str | None, data_dir: Path | None,
          allow_missing_glyphs: bool, large_print: bool, overwrite: bool) -> None:
    """処方ファイルから PDF を1つ作ります (build one handout PDF).

    \b
    Example:
      handout build handouts/patients/yamada-hanako.yaml -o hanako.pdf
    Prints the path of the PDF it wrote. A PDF already there with the same contents (a re-run) is
    kept; one with other contents is replaced only with --overwrite. The handout is recorded in the
    history (see handout history).
    """
    with collector_paused():
        _show(app.write_handout(prescription, output=output, content_dir=content_dir, large_print=large_print,
                                allow_missing_glyphs=allow_missing_glyphs, overwrite=overwrite, data_dir=data_dir))


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector paused while one handout is made, and set back as it was (CliRunner and the desk
    run commands in a process that goes on). The modules, fonts and content it loads live until the process
    ends and leave no cycles to collect: the collector's passes over them were about 20 ms of a cold `handout
    build`. The garbage one handout leaves raises the peak by a few MiB (about 2.5 for the sample, 4.4 measured for
    large print with 20 stretches and a 2,000-character note: review-16)."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
def validate(files: tuple[Path, ...], content_dir: str | None) -> None:
    """内容フォルダと処方ファイルを確認します (check the content folder and prescription files).

    Prints every problem in every file, not just the first. A FILE may also be a batch: a CSV
    file or a folder of prescription files, checked row by row as `handout batch` reads them.

    \b
    Example:
      handout validate --content my-clinic my-clinic/patients/*.yaml
    """
    _show(app.validate(files, content_dir=content_dir))


@cli.command()
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
@click.option("--json", "as_json", is_flag=True, help="JSON で出力 (print a JSON list).")
def stretches(content_dir: str | None, as_json: bool) -> None:
    """ストレッチの一覧 (list the stretch catalogue: id, title, target, default dose).

    \b
    Example:
      handout stretches --json
    """
    result = app.list_stretches(content_dir=content_dir)
    _show(result)
    if as_json:
        import json  # only for --json

        click.echo(json.dumps(result.rows, ensure_ascii=False, indent=2))
        return
    for line in result.lines:
        click.echo(line)


@cli.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="PDF を書き出すフォルダ (the folder for the PDFs; made if missing).")
@click.option("--merge", "merge_to", type=click.Path(dir_okay=False, path_type=Path),
              help="印刷用にまとめた PDF (also one PDF of all handouts, each starting on a new sheet).")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="同時に作る数 (how many handouts are made at once, this process included: it starts at most "
                   "N-1 workers, one for every 8 patients after the first; default: the number of cores).")
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
@ALLOW_MISSING
@LARGE_PRINT
@click.option("--send", "send_mail", is_flag=True,
              help="作ったハンドアウトをメールで送る (email each handout; a send log in the output folder "
                   "makes a re-run send only what has not been sent).")
@click.option("--yes", is_flag=True, help="確認せずに送る (send without asking).")
@DATA
@OVERWRITE
def batch(source: Path, out_dir: Path, merge_to: Path | None, jobs: int | None, content_dir: str | None,
          allow_missing_glyphs: bool, large_print: bool, send_mail: bool, yes: bool, data_dir: Path | None,
          overwrite: bool) -> None:
    """まとめて作ります (build one PDF per patient from a CSV, a folder of YAML files, or a YAML list).

    \b
    Examples:
      handout batch today.csv -o out --merge print.pdf
      handout batch patients/ -o out --jobs 2
    The CSV has a header row in Japanese or English: 名前 (name), 部位 (area: 上/下/両方), and
    optionally 日付, 担当, メール, メモ, ストレッチ (e.g. "hip-flexor:15×5×2 inner-thigh");
    UTF-8 or Excel's Shift_JIS. Other columns are ignored with a warning.
    A bad row is reported with its Excel row and the patient's name, and the others are still
    built; the exit status is then 1.
    A re-run into the same folder keeps the PDFs whose contents are the same; a PDF with other
    contents is replaced only with --overwrite (else that row fails). --merge must be outside the
    output folder and no input.
    """
    plan = app.plan_batch(source, out_dir=out_dir, merge_to=merge_to, content_dir=content_dir,
                          allow_missing_glyphs=allow_missing_glyphs, data_dir=data_dir)
    _show(plan)
    with click.progressbar(length=plan.count, label="作成中 (building)", file=sys.stderr,
                           hidden=plan.count <= 3) as bar, _term_as_interrupt():
        built = app.build_batch(plan, jobs=jobs, large_print=large_print, overwrite=overwrite, progress=bar.update,
                                keep_pdfs=send_mail)  # only --send needs every PDF's bytes kept
    _show(built)
    if built.interrupted:  # Ctrl-C while the history was written: stopped there, nothing sent
        sys.exit(1)
    unsent = _send_batch(built, yes) if send_mail else False
    if built.failed or unsent:
        sys.exit(1)


@contextlib.contextmanager
def _term_as_interrupt():
    """While a batch builds, a plain kill (SIGTERM) stops it like Ctrl-C: the workers are ended and the
    file being written is removed, instead of the process vanishing mid-write."""
    import signal

    def interrupt(*_):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _send_batch(built: app.BatchResult, yes: bool) -> bool:
    """Sends a built batch; True when some handouts were not sent."""
    import signal

    plan = app.plan_batch_send(built)
    _show(plan)
    if not plan.waiting:
        return bool(plan.bad)
    from .guided import yes_no  # a Japanese message for an answer that is not yes or no, then asked again

    if not yes and not yes_no(plan.question, default=False):
        raise click.Abort()
    stop = {"requested": False}

    def request_stop(*_):
        stop["requested"] = True
        click.echo("\n" + app.STOPPING_AFTER_MAIL, err=True)

    # Ctrl-C, and a plain `kill` (SIGTERM), finish the mail in flight, then stop: the log stays whole.
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sent = app.send_batch(plan, smtp_password=_smtp_password, stop=lambda: stop["requested"], on_sent=click.echo)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _show(sent)
    return not sent.all_sent


def _new_password() -> str:
    """A PDF password typed twice; a mismatch or an empty one is said in Japanese and asked again
    (click's own confirmation says "Error: The two entered values do not match.")."""
    import os

    if os.environ.get("HANDOUT_PDF_PASSWORD"):
        return os.environ["HANDOUT_PDF_PASSWORD"]
    while True:
        first = click.prompt("PDF のパスワード (PDF password)", hide_input=True, default="", show_default=False)
        if not first:
            click.echo("  ※ パスワードが空です。入力してください (the password is empty)", err=True)
            continue
        if click.prompt("もう一度同じパスワード (the same password again)", hide_input=True, default="",
                        show_default=False) == first:
            return first
        click.echo("  ※ 2回の入力が違います。もう一度入力してください (the two entries differ; try again)", err=True)


def _smtp_password(settings) -> str | None:
    """The mail password: from the environment, else asked for; never from a file or an argument."""
    import os

    if not settings.username:
        return None
    return os.environ.get(settings.password_env) or click.prompt(
        f"メールのパスワード (password for {settings.username})", hide_input=True)


@cli.command()
@click.argument("prescription", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "to", help="送り先 (send here instead of patient.email).")
@click.option("--pdf", "pdf_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="この PDF を送る (send this PDF instead of building one).")
@click.option("--eml", "eml", type=click.Path(dir_okay=False, path_type=Path),
              help="送らずにメールをファイルへ (write the mail to a file to open in a mail program).")
@click.option("--dry-run", is_flag=True, help="送らずに宛先・件名・添付を表示 (show, do not send).")
@click.option("--encrypt", is_flag=True,
              help="PDF にパスワード (AES-256; from $HANDOUT_PDF_PASSWORD or asked; never put in the mail).")
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
@DATA
@OVERWRITE
def send(prescription: Path, to: str | None, pdf_file: Path | None, eml: Path | None, dry_run: bool,
         encrypt: bool, content_dir: str | None, data_dir: Path | None, overwrite: bool) -> None:
    """ハンドアウトをメールで送ります (email a patient their handout).

    \b
    Examples:
      handout send patients/yamada.yaml --dry-run
      handout send patients/yamada.yaml --encrypt
      handout send patients/yamada.yaml --eml yamada.eml
    Settings are in the content folder's mail.yaml; the password only from
    $HANDOUT_SMTP_PASSWORD (or the variable mail.yaml names) or a prompt.
    """
    _show(app.send_handout(prescription, to=to, pdf_file=pdf_file, eml=eml, dry_run=dry_run, encrypt=encrypt,
                           pdf_password=_new_password, smtp_password=_smtp_password, content_dir=content_dir,
                           overwrite=overwrite, data_dir=data_dir))


@cli.command()
@click.option("-o", "--output", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="書き出すフォルダ (where the prescription YAML and the PDF go; default: here).")
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
@DATA
@LARGE_PRINT
def new(folder: Path, content_dir: str | None, data_dir: Path | None, large_print: bool) -> None:
    """質問に答えて1枚作ります (make one handout by answering questions; Enter takes the default).

    \b
    Example:
      handout new -o today
    A bad answer is explained in Japanese and asked again. After a summary, writes DATE_NAME.pdf
    and DATE_NAME.yaml (to re-make or edit) side by side; n at the summary changes an answer.
    Ctrl+C stops without writing anything.
    """
    import datetime as dt

    from . import guided
    from .pipeline import handout_pdf, open_content

    folder_used = app.content_folder(content_dir)
    content = open_content(folder_used)
    today = dt.date.today()
    click.echo(f"医院 (clinic): {content.clinic.name}（内容フォルダ (content folder): {folder_used}）")
    if app.is_sample(folder_used):
        click.echo("※ 組み込みの見本の内容です。医院の内容で作るには、このフォルダで handout init handouts を"
                   "してから書きかえてください (the built-in sample: run handout init handouts here first).")
    click.echo("質問に答えてください。Enter だけ押すと（ ）の中の答えになります。やめるときは Ctrl+C。\n"
               "(answer each question; Enter takes the value in brackets; Ctrl+C stops)")
    try:
        written = guided.run(content, folder, today, large_print,
                             lambda prescription: handout_pdf(content, prescription, today))
    except (click.Abort, KeyboardInterrupt, EOFError):
        click.echo("\n" + guided.CANCELLED, err=True)
        sys.exit(1)
    if written is None:
        click.echo(guided.CANCELLED + "\nもう一度 handout new で始められます (run handout new again).", err=True)
        sys.exit(1)
    yaml_path, pdf_path = written
    click.echo(f"作成しました (written):\n  {pdf_path}\n  {yaml_path}")
    _show(app.record_written(yaml_path, pdf_path, content_dir=folder_used, data_dir=data_dir, today=today))


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("figures.pdf"),
              show_default=True, help="書き出す PDF (the PDF to write).")
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
def figures(output: Path, content_dir: str | None) -> None:
    """図の一覧を作ります (write a sheet of every stretch's picture, right and left side, to review).

    \b
    Example:
      handout figures -o figures.pdf
    """
    _show(app.make_gallery(output=output, content_dir=content_dir))


@cli.command()
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              help="データフォルダ (saved handouts and the history). Default: handout-data beside the content folder.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="ポート番号 (port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="待ち受けるアドレス (listen address). Other than loopback only with $HANDOUT_DESK_PASSWORD set.")
@click.option("--no-browser", is_flag=True, help="ブラウザを開かない (do not open the browser).")
def desk(content_dir: str | None, data_dir: Path | None, port: int, host: str, no_browser: bool) -> None:
    """受付の画面をブラウザで開きます (the front desk in the browser, on this PC only).

    \b
    Example:
      handout desk
    Serves http://127.0.0.1:8765/ until Ctrl+C; nothing is reachable from another PC.
    """
    from .desk.serve import serve

    serve(app.content_folder(content_dir), data_dir, host=host, port=port, open_browser=not no_browser,
          say=click.echo)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """見本から新しい内容フォルダを作ります (create a content folder from the built-in sample).

    \b
    Example:
      handout init my-clinic
    """
    _show(app.start_content_folder(directory))


@cli.command()
@click.argument("name", required=False)
@click.option("--pdf", "pdf_id", type=int, metavar="ID",
              help="その番号の PDF を、渡したときのまま書き出す (write the very PDF that was handed out; with -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="--pdf の書き出し先 (where --pdf writes; default: the handout's file name here).")
@click.option("--open", "open_id", type=int, metavar="ID", help="その番号の PDF を開く (open it in the PDF viewer).")
@click.option("--forget", "forget_name", metavar="NAME",
              help="この患者さんの記録をすべて削除 (delete every entry of this patient: the whole name; asks first).")
@click.option("--backup", type=click.Path(dir_okay=False, path_type=Path),
              help="履歴をこのファイルに写す (copy the whole history to this file, also while it is in use).")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="表示する数 (entries shown).")
@click.option("--yes", is_flag=True, help="--forget を確認せずに (do not ask before --forget).")
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
@DATA
@OVERWRITE
def history(name: str | None, pdf_id: int | None, output: Path | None, open_id: int | None,
            forget_name: str | None, backup: Path | None, limit: int, yes: bool, content_dir: str | None,
            data_dir: Path | None, overwrite: bool) -> None:
    """作ったハンドアウトの履歴 (the history of the handouts built and sent).

    \b
    Examples:
      handout history                     (新しい50件 / the newest 50)
      handout history 山田                (名前の一部で探す / part of the name, kanji or kana)
      handout history --pdf 12 -o again.pdf
      handout history --forget "山田 花子"
      handout history --backup D:\\backup\\history.sqlite3
    NAME matches part of the name as typed; full-width and half-width letters, spaces, and katakana
    and hiragana count as the same. --pdf writes the stored PDF byte for byte.
    """
    where = {"content_dir": content_dir, "data_dir": data_dir}
    if len([a for a in (name, pdf_id, open_id, forget_name, backup) if a is not None]) > 1:
        raise click.UsageError("NAME, --pdf, --open, --forget, --backup はどれか1つだけ指定してください "
                               "(give one of NAME, --pdf, --open, --forget, --backup)")
    if pdf_id is not None:
        _show(app.history_pdf(pdf_id, output=output, overwrite=overwrite, **where))
    elif open_id is not None:
        shown = app.history_pdf_to_view(open_id, **where)
        _show(shown)
        click.launch(str(shown.path))
    elif forget_name is not None:
        found = app.patient_entries(forget_name, **where)
        _show(found)
        if not found.entries:
            click.echo(f"「{forget_name}」の記録はありません。名前は全部書いてください "
                       "(no entries of this name; give the whole name)")
            return
        click.echo("\n".join(found.lines))
        from .guided import yes_no

        if not yes and not yes_no(f"この {len(found.entries)} 件を履歴から削除します。元に戻せません "
                                  f"(delete these {len(found.entries)} entries for good)", default=False):
            raise click.Abort()
        _show(app.forget_patient(forget_name, **where))
    elif backup is not None:
        _show(app.backup_history(backup, **where))
    else:
        result = app.list_history(name or "", limit=limit, **where)
        for line in result.lines:
            click.echo(line)
        _show(result)


def main() -> None:
    # On Windows a redirected stdout is cp932: a name with 𠮷 must not end the program with a traceback.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure:
        reconfigure(errors="backslashreplace")
    try:
        cli(prog_name="handout")
    except SystemExit:
        _ending()
        try:
            sys.stdout.flush()  # what is still buffered goes now, while a closed pipe can still be said quietly
        except BrokenPipeError:  # `handout stretches | head -1`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
        raise


def _ending() -> None:
    """The command is done and the process ends, and with it all its memory: Python's cycle collection at exit
    need not look at every object it made (frozen: about 40 ms of a cold `handout build`). Files, the history
    and mails are closed by the commands themselves, never left to the collector."""
    import gc

    gc.freeze()
