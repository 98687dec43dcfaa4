"""Ed25519 signing: a key file only its owner can read, never in the database; canonical JSON."""

import base64
import hashlib
import os
import stat
from pathlib import Path

import pytest
from nacl.signing import SigningKey
from sqlalchemy import select

from privacy.accounting import Cap
from privacy.ledger import BudgetLedger
from privacy.pseudonyms import SecretError
from privacy.releases import ReleaseService
from privacy.signing import Signer, canonical_json, key_id_for, verify_document
from server.models import metadata

DOC = {"release_id": "abc", "scope": "rijk", "result": {"b": 1, "a": [1.5, -2]}, "naam": "Zoë"}


@pytest.fixture
def signer(tmp_path):
    return Signer.from_file(tmp_path / "keys" / "signing-key", create_missing=True)


def test_key_file_is_created_with_mode_600_and_holds_a_hex_seed(tmp_path, signer):
    path = tmp_path / "keys" / "signing-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    seed = bytes.fromhex(path.read_text())
    assert len(seed) == 32
    expected = base64.b64encode(bytes(SigningKey(seed).verify_key)).decode()
    assert signer.public_key_b64 == expected


def test_the_same_file_gives_the_same_key(tmp_path, signer):
    again = Signer.from_file(tmp_path / "keys" / "signing-key", create_missing=True)
    assert again.public_key_b64 == signer.public_key_b64


def test_missing_key_file_is_an_error_outside_demo_and_test(tmp_path):
    with pytest.raises(SecretError, match="does not exist"):
        Signer.from_file(tmp_path / "absent")
    assert not (tmp_path / "absent").exists()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_key_file_readable_by_others_is_refused(tmp_path, signer, mode):
    path = tmp_path / "keys" / "signing-key"
    os.chmod(path, mode)
    with pytest.raises(SecretError, match="chmod 600"):
        Signer.from_file(path)


@pytest.mark.parametrize("content", ["not hex", "ab" * 16])
def test_key_file_must_hold_a_32_byte_hex_seed(tmp_path, content):
    path = tmp_path / "bad-key"
    path.write_text(content)
    os.chmod(path, 0o600)
    with pytest.raises(SecretError):
        Signer.from_file(path)


def test_key_id_is_the_start_of_the_sha256_of_the_public_key(signer):
    raw = base64.b64decode(signer.public_key_b64)
    assert signer.key_id == hashlib.sha256(raw).hexdigest()[:16]
    assert key_id_for(signer.public_key_b64) == signer.key_id


def test_canonical_json_is_sorted_compact_utf8():
    assert canonical_json(DOC) == (
        '{"naam":"Zoë","release_id":"abc","result":{"a":[1.5,-2],"b":1},"scope":"rijk"}'
    ).encode()
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_signature_holds_for_the_same_content_in_any_key_order(signer):
    signature = signer.sign(DOC)
    reordered = dict(reversed(list(DOC.items())))
    assert verify_document(reordered, signature, signer.public_key_b64)
    assert signer.verify(DOC, signature)


def test_any_change_breaks_the_signature(signer):
    signature = signer.sign(DOC)
    changed = {**DOC, "result": {"b": 1, "a": [1.5, -3]}}
    assert not verify_document(changed, signature, signer.public_key_b64)


def test_another_key_does_not_verify(signer, tmp_path):
    other = Signer.from_file(tmp_path / "other-key", create_missing=True)
    assert not verify_document(DOC, signer.sign(DOC), other.public_key_b64)


def test_garbage_signatures_and_keys_do_not_verify(signer):
    assert not verify_document(DOC, "not base64!", signer.public_key_b64)
    assert not verify_document(DOC, signer.sign(DOC), "AAAA")


def test_signer_refuses_a_document_naming_another_key(signer):
    with pytest.raises(ValueError):
        signer.sign({**DOC, "public_key": "c29tZW9uZSBlbHNl"})


def test_signing_key_is_never_stored_in_the_database(services, tmp_path):
    key_path = tmp_path / "signing-key"
    signer = Signer.from_file(key_path, create_missing=True)
    ledger = BudgetLedger(services.db, Cap.of())
    ledger.set_budget("gor", 2026, "0.1")
    service = ReleaseService(services.db, ledger, signer)
    service.release("gor", "rijk", 2026, "q", "0.05", lambda: {"estimate": 3})

    seed = bytes.fromhex(key_path.read_text())
    forms = {seed.hex(), seed.hex().upper(), base64.b64encode(seed).decode(),
             base64.b64encode(bytes(SigningKey(seed))).decode()}
    stored = []
    with services.db.session() as session:
        for table in metadata.sorted_tables:
            for row in session.execute(select(table)):
                stored.extend(str(value) for value in row)
    assert any(signer.public_key_b64 in value for value in stored)  # the scan does see releases
    assert not any(form in value for value in stored for form in forms)
    if services.db.is_sqlite:
        database_file = Path(services.db.url.split("///", 1)[1])
        raw = b"".join(path.read_bytes() for path in (database_file, Path(f"{database_file}-wal"))
                       if path.exists())
        assert signer.public_key_b64.encode() in raw  # the raw scan does see the database
        assert seed not in raw
        assert not any(form.encode() in raw for form in forms)
