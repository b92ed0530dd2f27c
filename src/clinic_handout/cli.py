"""The `handout` command: parses, calls the library, prints. ReportLab is imported only to make a PDF."""
from __future__ import annotations

import contextlib
import json
import shutil
import sys
from pathlib import Path

import click

from . import __version__
from .errors import HandoutError, InputError, Problem

CONTENT_HELP = "内容フォルダ (content folder). Default: $HANDOUT_CONTENT, else ./handouts, else the built-in sample."
ALLOW_MISSING = click.option(
    "--allow-missing-glyphs", is_flag=True,
    help="フォントにない文字を 〓 で印刷 (print a character no font has as 〓, with a warning, instead of "
         "refusing: for when a handout must go out now).")
OVERWRITE = click.option("--overwrite", is_flag=True,
                         help="中身の違う既存のファイルを置きかえる (replace an existing file with different contents; "
                              "without it such a file is kept and the command refuses).")
LARGE_PRINT = click.option("--large-print", is_flag=True,
                           help="大きな文字 (body text 14 pt instead of 12; more pages are fine).")


def _report_problems(problems: list[Problem], what: str) -> None:
    click.echo(f"エラー: {what}に {len(problems)} 件の問題があります ({len(problems)} problem(s)):", err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)


def _report_warnings(warnings: list[Problem]) -> None:
    for warning in warnings:
        click.echo(f"注意 (warning): {warning}", err=True)


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
        except InputError as exc:
            _report_problems(exc.problems, "入力ファイル (input files) ")
            click.echo("PDF は作っていません (nothing was written).", err=True)
        except HandoutError as exc:
            click.echo(f"エラー (error): {exc}", err=True)
            ctx.exit(getattr(exc, "exit_code", 1))
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
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


def _files(folder: Path) -> list[Path]:
    """The files of an input folder (the content folder, a batch folder): no output may be one of them."""
    return [p for p in Path(folder).rglob("*") if p.is_file()] if Path(folder).is_dir() else []


def _content_folder(option: str | None) -> Path:
    from .content import content_folder

    return content_folder(option)


@cli.command()
@click.argument("prescription", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="書き出す PDF (the PDF to write). Default: DATE_NAME.pdf in the current folder.")
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
@ALLOW_MISSING
@LARGE_PRINT
@OVERWRITE
def build(prescription: Path, output: Path | None, content_dir: str | None, allow_missing_glyphs: bool,
          large_print: bool, overwrite: bool) -> None:
    """処方ファイルから PDF を1つ作ります (build one handout PDF).

    \b
    Example:
      handout build handouts/patients/yamada-hanako.yaml -o hanako.pdf
    Prints the path of the PDF it wrote. A PDF already there with the same contents (a re-run) is
    kept; one with other contents is replaced only with --overwrite.
    """
    from .compose import default_filename
    from .deliver import check_outputs, write_new
    from .pipeline import build_pdf, open_content

    folder = _content_folder(content_dir)
    content = open_content(folder, allow_missing_glyphs)
    handout, pdf = build_pdf(prescription, content, large_print=large_print)
    output = output or Path(default_filename(handout))
    check_outputs({"-o": output}, {"prescription": prescription, "--content": _files(folder)})
    path = write_new(output, pdf, overwrite)
    for warning in content.glyphs.warnings:
        click.echo(f"警告 (warning): 〓 で印刷しました (printed as 〓): {warning}", err=True)
    click.echo(str(path))


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
    from .batch import check_ids as batch_check
    from .content import catalogue_ids, fallback_fonts, load_content
    from .fonts import GlyphCheck, font_chain
    from .prescription import catalogue_titles, load_prescription
    from .wording import check_content, note_problems, prescription_notes

    folder = _content_folder(content_dir)
    problems: list[Problem] = []
    try:
        content = load_content(folder, allow_missing_glyphs=False)
        ids, glyphs = catalogue_titles(content), content.glyphs
    except InputError as exc:
        problems += exc.problems
        ids = catalogue_ids(folder) if folder.is_dir() else None
        glyphs = GlyphCheck(font_chain(fallback_fonts(folder)[0] if folder.is_dir() else ()))
    if (folder / "mail.yaml").exists():
        from .mail import load_settings

        try:
            load_settings(folder)
        except InputError as exc:
            problems += exc.problems
    for file in files:
        from .csv_input import is_table

        if is_table(file) or file.is_dir():  # a batch: every row or file, as batch reads them
            from .batch import read_entries

            warnings: list[Problem] = []
            entries, found = read_entries(file, warnings)
            _report_warnings(warnings)
            problems += found
            if not entries and not found:  # as batch says: an empty folder or CSV makes nothing
                problems.append(Problem(file, None, "", "処方がありません (no prescriptions)",
                                        "CSV の行か YAML の処方 (CSV rows or prescription files)"))
            for entry in entries:
                try:
                    batch_check(entry, ids, glyphs)
                except InputError as exc:
                    problems += exc.problems
                if not isinstance(entry.data, list):  # a YAML file that could be read, or a CSV row
                    problems += note_problems(entry.source, entry.data, entry.field_prefix, entry.line)
            continue
        try:
            load_prescription(file, ids, glyphs)
        except InputError as exc:
            problems += exc.problems
        problems += prescription_notes(file)
    # The proof-reader: the words of the 柔道整復 rules (errors) and the sample's leftovers (warnings).
    wording_errors, leftovers = check_content(folder, sample=_is_sample(folder)) if folder.is_dir() else ([], [])
    # One message per place: a field the schema already refused (hours_label: 治療時間 is not one of
    # 受付時間 | 施術時間) is not reported a second time for its words.
    places = {_place(p) for p in problems}
    problems += [p for p in wording_errors if _place(p) not in places]
    _report_warnings(leftovers)
    if leftovers:
        click.echo("注意 (warning): 見本の値が残っています。医院の情報に書きかえてください "
                   f"({len(leftovers)} leftover(s) of the sample: put in the clinic's own details)", err=True)
    checked = f"{folder}" + (f" + {len(files)} 処方ファイル (prescription files)" if files else "")
    if problems:
        _report_problems(problems, checked + " ")
        sys.exit(1)
    from .pipeline import standard_page_count, third_page_causes

    pages = standard_page_count(content)
    if pages > 2:
        causes = "".join(f"\n  原因 (cause): {cause}" for cause in third_page_causes(content))
        click.echo(f"注意 (warning): 標準のハンドアウト（area: both、メモなし）が {pages} ページになります "
                   f"(the standard handout takes {pages} pages; at most 2 are promised).{causes}", err=True)
    click.echo(f"問題ありません (no problems): {checked}; "
               f"標準のハンドアウト (standard handout): {pages} ページ (pages)")


def _place(problem: Problem) -> tuple[Path, int | None, str]:
    return problem.file.resolve(), problem.line, problem.field


def _is_sample(folder: Path) -> bool:
    """The built-in sample content itself (its example.com and 見本区 are what a sample holds)."""
    from .resources import sample_content_dir

    return folder.resolve() == sample_content_dir().resolve()


@cli.command()
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
@click.option("--json", "as_json", is_flag=True, help="JSON で出力 (print a JSON list).")
def stretches(content_dir: str | None, as_json: bool) -> None:
    """ストレッチの一覧 (list the stretch catalogue: id, title, target, default dose).

    \b
    Example:
      handout stretches --json
    """
    from .compose import dose_line
    from .content import load_content
    from .ruby import plain

    content = load_content(_content_folder(content_dir))
    if as_json:
        rows = [{"id": s.id, "title": s.title, "target": s.target, "areas": list(s.areas),
                 "hold_seconds": s.dose.hold_seconds, "reps": s.dose.reps, "sets_per_day": s.dose.sets_per_day}
                for s in content.catalogue.values()]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max(len(sid) for sid in content.catalogue)
    for s in content.catalogue.values():
        click.echo(plain(f"{s.id:<{width}}  {dose_line(s.dose)}  {s.title}（{s.target}）"))


@cli.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="PDF を書き出すフォルダ (the folder for the PDFs; made if missing).")
@click.option("--merge", "merge_to", type=click.Path(dir_okay=False, path_type=Path),
              help="印刷用にまとめた PDF (also one PDF of all handouts, each starting on a new sheet).")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="同時に作る数 (parallel processes; default: the number of cores).")
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
@ALLOW_MISSING
@LARGE_PRINT
@click.option("--send", "send_mail", is_flag=True,
              help="作ったハンドアウトをメールで送る (email each handout; a send log in the output folder "
                   "makes a re-run send only what has not been sent).")
@click.option("--yes", is_flag=True, help="確認せずに送る (send without asking).")
@OVERWRITE
def batch(source: Path, out_dir: Path, merge_to: Path | None, jobs: int | None, content_dir: str | None,
          allow_missing_glyphs: bool, large_print: bool, send_mail: bool, yes: bool, overwrite: bool) -> None:
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
    import datetime as dt

    from . import batch as batches
    from .deliver import check_outputs, inside
    from .errors import OutputRefused
    from .pipeline import open_content

    folder = _content_folder(content_dir)
    if merge_to is not None and (inside(merge_to, out_dir) or merge_to.suffix.lower() != ".pdf"):
        raise OutputRefused(f"--merge {merge_to}: 印刷用の PDF は出力フォルダ {out_dir} の外に、.pdf の名前で "
                            "作ってください。何も書いていません (the print file goes outside the output folder, "
                            "where it can never be taken for a patient's handout, and ends in .pdf; "
                            "nothing was written)")
    inputs = {"SOURCE": [source, *_files(source)], "--content": _files(folder)}
    if merge_to is not None:
        check_outputs({"--merge": merge_to}, inputs)
    content = open_content(folder, allow_missing_glyphs)
    if folder.is_dir() and not _is_sample(folder):
        from .wording import check_content

        leftovers = check_content(folder, sample=False)[1]
        if leftovers:  # once for the whole batch, not once a row: the same leftovers are on every handout
            where = "、".join(dict.fromkeys(f"{p.file.name}:{p.line}" if p.line else p.file.name for p in leftovers))
            click.echo(f"注意 (warning): 見本の値が残っています（{where}）。どの案内にも印刷されます。"
                       "handout validate で確かめて、医院の情報に書きかえてください "
                       f"({len(leftovers)} leftover(s) of the sample are printed on every handout)", err=True)
    prepared = batches.prepare(source, content)
    _report_warnings(prepared.warnings)
    with click.progressbar(length=len(prepared.good), label="作成中 (building)", file=sys.stderr,
                           hidden=len(prepared.good) <= 3) as bar, _term_as_interrupt():
        outcomes = batches.build(prepared, content, out_dir, dt.date.today(), jobs or batches.default_jobs(),
                                 large_print, allow_missing_glyphs, merge_to, bar.update, overwrite, inputs)
    for warning in content.glyphs.warnings:
        click.echo(f"警告 (warning): 〓 で印刷しました (printed as 〓): {warning}", err=True)
    for failure in prepared.failed:
        _report_problems(failure.problems, f"{failure.label} ")
    built = [o for o in outcomes if o.path]
    if merge_to and built and not any(f.label == "--merge" for f in prepared.failed):
        click.echo(f"印刷用 (for printing): {merge_to}")
    failed = ", ".join(f.label for f in prepared.failed)
    click.echo(f"{len(built)} 件作成、{len(prepared.failed)} 件失敗 "
               f"({len(built)} built, {len(prepared.failed)} failed{': ' + failed if failed else ''})")
    unsent = _send_batch(prepared, outcomes, content, out_dir, yes) if send_mail else False
    if prepared.failed or unsent:
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


def _send_batch(prepared, outcomes, content, out_dir: Path, yes: bool) -> bool:
    """Sends a built batch; True when some handouts were not sent."""
    import datetime as dt
    import signal

    from . import mail as mailing
    from .compose import compose

    today = dt.date.today()
    deliveries = [mailing.Delivery(label, compose(content, prescription, today), prescription.patient.email,
                                   outcome.path, outcome.pdf)
                  for (label, prescription), outcome in zip(prepared.good, outcomes, strict=True) if outcome.path]
    sendable, bad, shared = mailing.check_addresses(deliveries)
    for label, problem in bad:
        click.echo(f"エラー (error): {label}: {problem}", err=True)
    settings = mailing.load_settings(content.folder)
    log = mailing.SendLog(out_dir / "send-log.jsonl")
    for number in log.skipped:
        click.echo(f"注意 (warning): {log.path}:{number}: 送信記録として読めない行です。読み飛ばしました "
                   "(not a send-log entry, skipped: a JSON object per line is expected; that line's mail "
                   "counts as not sent)", err=True)
    waiting = [d for d in sendable if mailing.send_key(d.path.name, d.address, d.pdf) not in log.sent]
    if not waiting:
        click.echo(f"送る分はありません (nothing to send): {len(sendable)} already sent")
        return bool(bad)
    for address, people in shared.items():
        click.echo(f"注意 (warning): {address} は別の患者さんと同じアドレスです (shared by): {'、'.join(people)}")
    from .guided import yes_no  # a Japanese message for an answer that is not yes or no, then asked again

    if not yes and not yes_no(f"{len(waiting)} 件をメールで送ります (send {len(waiting)} mails)"
                              + ("。同じアドレスの方がいます (an address is shared)" if shared else ""), default=False):
        raise click.Abort()
    stop = {"requested": False}

    def request_stop(*_):
        stop["requested"] = True
        click.echo("\n止めます: 送信中のメールの後で (stopping after the mail in flight)", err=True)

    # Ctrl-C, and a plain `kill` (SIGTERM), finish the mail in flight, then stop: the log stays whole.
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sent, skipped, failed = mailing.send_all(waiting, settings, _smtp_password(settings), log,
                                                 lambda: stop["requested"],
                                                 lambda d, bcc: click.echo(f"送信 (sent): {d.label} {d.address}" + (
                                                     f"（控え bcc は届いていません / archive copy refused: {bcc}）"
                                                     if bcc else "")))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for label, error in failed:
        click.echo(f"エラー (error): {label}: 送れませんでした (not sent): {error}", err=True)
    left = len(waiting) - sent - skipped - len(failed)
    click.echo(f"{sent} 件送信、{len(failed) + len(bad)} 件失敗、{left} 件未送信 "
               f"({sent} sent, {len(failed) + len(bad)} failed, {left} not sent; log: {log.path})")
    return bool(failed or bad or left)


def _new_password() -> str:
    """A PDF password typed twice; a mismatch or an empty one is said in Japanese and asked again
    (click's own confirmation says "Error: The two entered values do not match.")."""
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
@OVERWRITE
def send(prescription: Path, to: str | None, pdf_file: Path | None, eml: Path | None, dry_run: bool,
         encrypt: bool, content_dir: str | None, overwrite: bool) -> None:
    """ハンドアウトをメールで送ります (email a patient their handout).

    \b
    Examples:
      handout send patients/yamada.yaml --dry-run
      handout send patients/yamada.yaml --encrypt
      handout send patients/yamada.yaml --eml yamada.eml
    Settings are in the content folder's mail.yaml; the password only from
    $HANDOUT_SMTP_PASSWORD (or the variable mail.yaml names) or a prompt.
    """
    import datetime as dt
    import os

    from . import mail as mailing
    from .compose import compose, default_filename
    from .deliver import write_atomically
    from .pipeline import open_content
    from .prescription import catalogue_titles, load_prescription
    from .render import render

    folder = _content_folder(content_dir)
    content = open_content(folder)
    patient = load_prescription(prescription, catalogue_titles(content), content.glyphs)  # read once
    today = dt.date.today()
    handout = compose(content, patient, today)
    address = patient.patient.email if to is None else to.strip()  # --to "" is no address, not patient.email
    if not mailing.valid_address(address):
        if not address:
            raise HandoutError(f"{prescription}: 送り先のメールアドレスがありません。処方ファイルの patient: の下に "
                               "email: を書くか、--to で送り先を指定してください (no email address)")
        raise HandoutError(f"{prescription}: 「{address}」はメールアドレスの形ではありません。"
                           "綴りを確かめてください（例: name@example.com） (not an email address)")
    pdf = render(handout)
    if pdf_file:  # only this prescription's handout, byte for byte: never another patient's file
        pdf = _check_given_pdf(pdf_file, prescription,
                               [lambda: pdf, lambda: render(compose(content, patient, today, True))])
    if eml:
        from .deliver import check_outputs, refuse_existing

        check_outputs({"--eml": eml}, {"prescription": prescription, "--pdf": pdf_file, "--content": _files(folder)})
        if not overwrite and eml.exists():  # a mail has a fresh Date each time: never the same bytes
            raise refuse_existing(eml)
    settings = mailing.template_settings(folder, content.clinic.email)
    if encrypt:
        password = os.environ.get("HANDOUT_PDF_PASSWORD") or _new_password()
        pdf = mailing.encrypt(pdf, password)
    filename = default_filename(handout)
    key = mailing.send_key(filename, address, pdf)
    mail = mailing.message(settings, handout, mailing.hours_text(handout), address, pdf, filename, encrypt,
                           mailing.message_id(settings, key))
    if dry_run or eml:
        locked = "、パスワード付き (encrypted)" if encrypt else ""
        click.echo(f"宛先 (to): {address}\n件名 (subject): {mail['Subject']}\n"
                   f"添付 (attachment): {filename} ({len(pdf):,} bytes){locked}")
        if eml:
            click.echo(str(write_atomically(eml, mail.as_bytes())))
        return
    settings = mailing.load_settings(folder)
    mailer = mailing.Mailer(settings, _smtp_password(settings))
    try:
        bcc_refused = mailing.send_with_retries(mailer, mail, address)
    except (mailing.smtplib.SMTPException, OSError) as error:
        raise HandoutError(f"送れませんでした (not sent) to {address}: {mailing.describe(error, settings)}") from None
    finally:
        mailer.close()
    click.echo(f"送信しました (sent): {address} {mail['Message-ID']}")
    if bcc_refused:
        click.echo(f"注意 (warning): 控え (bcc) {settings.bcc} はサーバーに断られました。控えは届いていません "
                   f"(the archive copy was refused and not delivered: {mailing.describe_reply(bcc_refused)})",
                   err=True)


def _check_given_pdf(pdf_file: Path, prescription: Path, builds) -> bytes:
    """`send --pdf`: the file must be the very handout this prescription makes (the output is
    deterministic, so a fresh build has the same bytes: standard or large print); anything else is
    refused, never attached."""
    import hashlib

    from .inputs import PDF_LIMIT, read_limited

    given = read_limited(pdf_file, PDF_LIMIT)
    if not given.startswith(b"%PDF-"):
        raise HandoutError(f"{pdf_file}: PDF ではありません。添付しません (not a PDF; nothing was sent)")
    digest = hashlib.sha256(given).digest()
    if any(hashlib.sha256(build()).digest() == digest for build in builds):
        return given
    raise HandoutError(f"{pdf_file} は {prescription} のハンドアウトではありません（別の患者さんの、"
                       f"または古い・手を加えたファイルです）。送っていません "
                       f"(the PDF is not the handout {prescription} makes today: another patient's, an older or "
                       f"an edited file; nothing was sent. Leave out --pdf to send a fresh build)")


@cli.command()
@click.option("-o", "--output", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="書き出すフォルダ (where the prescription YAML and the PDF go; default: here).")
@click.option("--content", "content_dir", type=click.Path(file_okay=False), help=CONTENT_HELP)
@LARGE_PRINT
def new(folder: Path, content_dir: str | None, large_print: bool) -> None:
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
    from .compose import compose
    from .pipeline import open_content
    from .render import render
    from .resources import sample_content_dir

    folder_used = _content_folder(content_dir)
    content = open_content(folder_used)
    today = dt.date.today()
    click.echo(f"医院 (clinic): {content.clinic.name}（内容フォルダ (content folder): {folder_used}）")
    if folder_used.resolve() == sample_content_dir().resolve():
        click.echo("※ 組み込みの見本の内容です。医院の内容で作るには、このフォルダで handout init handouts を"
                   "してから書きかえてください (the built-in sample: run handout init handouts here first).")
    click.echo("質問に答えてください。Enter だけ押すと（ ）の中の答えになります。やめるときは Ctrl+C。\n"
               "(answer each question; Enter takes the value in brackets; Ctrl+C stops)")
    try:
        written = guided.run(content, folder, today, large_print,
                             lambda prescription: render(compose(content, prescription, today)))
    except (click.Abort, KeyboardInterrupt, EOFError):
        click.echo("\n" + guided.CANCELLED, err=True)
        sys.exit(1)
    if written is None:
        click.echo(guided.CANCELLED + "\nもう一度 handout new で始められます (run handout new again).", err=True)
        sys.exit(1)
    yaml_path, pdf_path = written
    click.echo(f"作成しました (written):\n  {pdf_path}\n  {yaml_path}")


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
    from .deliver import check_outputs, write_atomically
    from .pipeline import open_content
    from .render import render_gallery

    folder = _content_folder(content_dir)
    check_outputs({"-o": output}, {"--content": _files(folder)})
    content = open_content(folder)
    click.echo(str(write_atomically(output, render_gallery(content))))


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

    serve(_content_folder(content_dir), data_dir, host=host, port=port, open_browser=not no_browser,
          say=click.echo)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """見本から新しい内容フォルダを作ります (create a content folder from the built-in sample).

    \b
    Example:
      handout init my-clinic
    """
    from .resources import sample_content_dir

    if directory.exists() and any(directory.iterdir()):
        raise HandoutError(f"{directory}: フォルダが空ではありません。上書きしません "
                           "(the folder is not empty; nothing was changed; choose a new folder)")
    shutil.copytree(sample_content_dir(), directory, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.pyc"))
    click.echo(f"作成しました (created): {directory}\n"
               "次に (next):\n"
               f"  1. {directory / 'clinic.yaml'} を開き、医院名・電話・住所・受付時間を書きかえる\n"
               f"  2. handout validate --content {directory}\n"
               f"  3. handout build {directory / 'patients' / 'yamada-hanako.yaml'} --content {directory}")


def main() -> None:
    # On Windows a redirected stdout is cp932: a name with 𠮷 must not end the program with a traceback.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure:
        reconfigure(errors="backslashreplace")
    cli(prog_name="handout")
