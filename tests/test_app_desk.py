"""The use cases the desk calls (app.py), without a browser and without click: a handout from data, the
very bytes mailed, the history's copy and the patient's other addresses."""
import pytest

from clinic_handout import app

from .conftest import STANDARD
from .desk_support import local_smtp

DATA = {"patient": {"name": "山田 花子"}, "date": "2026-11-25", "area": "both"}  # STANDARD, as data


def test_a_prescription_given_as_data_is_the_prescription_file_byte_for_byte(clinic, write):
    from_data = app.build_prescription(DATA, content_dir=clinic)
    from_file = app.build_handout(write("p.yaml", STANDARD), content_dir=clinic)
    assert from_data.ok and from_file.ok
    assert from_data.pdf == from_file.pdf
    assert from_data.filename == "2026-11-25_山田花子.pdf"
    assert from_data.prescription.patient.name == "山田 花子" and from_data.content is not None


def test_a_bad_prescription_given_as_data_names_each_field(clinic):
    bad = {"patient": {"email": "hanako@example"}, "area": "both",
           "stretches": [{"id": "buttock", "reps": "abc"}]}
    result = app.build_prescription(bad, content_dir=clinic)
    assert not result.ok and result.pdf == b""
    assert sorted(p.field for p in result.failure.problems) == ["patient.email", "patient.name", "stretches[1].reps"]


def test_send_built_mails_the_built_bytes_and_the_history_keeps_them(clinic, tmp_path):
    data_dir = tmp_path / "data"
    built = app.build_prescription({**DATA, "patient": {"name": "山田 花子", "email": "hanako@example.com"}},
                                   content_dir=clinic)
    with local_smtp(clinic) as inbox:
        sent = app.send_built(built, address="hanako@example.com", data_dir=data_dir)
        assert sent.ok and sent.sent and sent.message_id
        (recipients, mail), = inbox.mails
        assert recipients == ["hanako@example.com"]
        (attachment,) = mail.iter_attachments()
        assert attachment.get_content() == built.pdf and attachment.get_filename() == built.filename
        refused = app.send_built(built, address="hanako@example", data_dir=data_dir)
        assert not refused.ok and not refused.sent and len(inbox.mails) == 1
    stored = app.stored_handout(sent.history_id, content_dir=clinic, data_dir=data_dir)
    assert stored.pdf == built.pdf and stored.filename == built.filename
    others = app.other_addresses("山田花子", "hanako.yamada@example.net", content_dir=clinic, data_dir=data_dir)
    assert others.addresses == ["hanako@example.com"]
    assert app.other_addresses("山田 花子", "HANAKO@example.com", content_dir=clinic,
                               data_dir=data_dir).addresses == []


def test_no_history_yet_is_no_other_address(clinic, tmp_path):
    found = app.other_addresses("山田 花子", "a@example.com", content_dir=clinic, data_dir=tmp_path / "none")
    assert found.ok and found.addresses == []


def test_send_built_needs_a_built_handout(clinic):
    with pytest.raises(ValueError):
        app.send_built(app.build_prescription({"area": "both"}, content_dir=clinic), address="a@example.com")
