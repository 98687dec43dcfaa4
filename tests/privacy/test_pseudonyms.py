"""Keyed pseudonyms: link within a year, not across years; labelled; secrets kept out of the DB."""

import os
import stat

import pytest

from privacy.pseudonyms import (
    KeyedPseudonymizer,
    SecretError,
    create_secret_file,
    load_master_secret,
    new_case_token,
)
from registry.checked_codes import parse_case_token
from registry.periods import Month

P = KeyedPseudonymizer(bytes(range(32)))


def test_same_token_same_year_links():
    assert P.case_pseudonym("ABCD-EFGH-JKMN-PQRS", 2026) == P.case_pseudonym("abcd-efgh-jkmn-pqrs", 2026)


def test_same_token_other_year_does_not_link():
    assert P.case_pseudonym("ABCD-EFGH-JKMN-PQRS", 2026) != P.case_pseudonym("ABCD-EFGH-JKMN-PQRS", 2027)


def test_pseudonym_carries_scheme_purpose_and_year_label():
    assert P.case_pseudonym("ABCD-EFGH-JKMN-PQRS", 2026).startswith("v1:case:2026:")
    assert P.receipt_hash(P.new_receipt(Month(2026, 3))).startswith("v1:receipt:2026:")


def test_case_and_receipt_keys_differ():
    value = "2026-03-ABCD-EFGH-JKMN-PQRS-TUVW"
    assert P.receipt_hash(value).split(":")[-1] != P._hash("case", 2026, value).split(":")[-1]


def test_other_master_secret_gives_other_pseudonyms():
    other = KeyedPseudonymizer(bytes(range(1, 33)))
    assert other.case_pseudonym("ABCD-EFGH-JKMN-PQRS", 2026) != P.case_pseudonym("ABCD-EFGH-JKMN-PQRS", 2026)


def test_new_case_tokens_are_random_readable_and_valid():
    tokens = {new_case_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(parse_case_token(t) == t for t in tokens)
    assert not any(c in "".join(tokens) for c in "IO01")


def test_a_token_or_receipt_typed_another_way_gets_the_same_pseudonym():
    token = new_case_token()
    assert P.case_pseudonym(token.replace("-", "").lower(), 2026) == P.case_pseudonym(token, 2026)
    receipt = P.new_receipt(Month(2026, 3))
    assert P.receipt_hash(receipt.replace("-", " ").lower()) == P.receipt_hash(receipt)


def test_receipt_names_its_month():
    receipt = P.new_receipt(Month(2026, 3))
    assert P.receipt_month(receipt) == Month(2026, 3)
    assert P.receipt_month("garbage") is None


def test_short_master_secret_is_refused():
    with pytest.raises(SecretError):
        KeyedPseudonymizer(b"short")


def test_secret_file_is_created_owner_only_and_loaded(tmp_path):
    path = tmp_path / "secrets" / "master"
    secret = create_secret_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_master_secret(None, str(path)) == secret


def test_secret_file_readable_by_others_is_refused(tmp_path):
    path = tmp_path / "master"
    create_secret_file(path)
    os.chmod(path, 0o644)
    with pytest.raises(SecretError, match="owner only"):
        load_master_secret(None, str(path))


def test_production_mode_refuses_to_start_without_a_master_secret(tmp_path):
    from server.app import create_app

    with pytest.raises(SecretError):
        create_app({"mode": "production", "master_secret": "", "master_secret_file": "",
                    "database_url": f"sqlite:///{tmp_path}/x.db", "data_dir": str(tmp_path)})
