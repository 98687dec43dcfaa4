"""Accounts: argon2id passwords with rehash, API tokens stored as hashes, roles."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from registry.accounts import Role
from registry.errors import Conflict, ValidationFailed
from registry.models import Account, ApiToken


def test_password_is_stored_as_argon2id(services):
    principal, password = services.accounts.create_user("vp-jansen", "adviser", organisation="MIN-A")
    with services.db.session() as session:
        stored = session.get(Account, principal.account_id).password_hash
    assert stored.startswith("$argon2id$")
    assert password not in stored
    assert services.accounts.authenticate("vp-jansen", password) is not None
    assert services.accounts.authenticate("vp-jansen", password + "x") is None


def test_password_is_rehashed_when_parameters_change(services):
    principal, password = services.accounts.create_user("vp-oud", "adviser", organisation="MIN-A")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(password)
    with services.db.session() as session:
        session.get(Account, principal.account_id).password_hash = weak
    assert services.accounts.authenticate("vp-oud", password) is not None
    with services.db.session() as session:
        assert session.get(Account, principal.account_id).password_hash != weak


def test_token_is_stored_only_as_its_hash_and_can_be_revoked(services):
    principal, _ = services.accounts.create_user("case-system", "adviser", organisation="MIN-A")
    token = services.accounts.create_token(principal.account_id, "zaaksysteem")
    with services.db.session() as session:
        row = session.scalars(select(ApiToken)).one()
        assert token not in row.token_hash
        token_id = row.id
    assert services.accounts.resolve_token(token).role is Role.ADVISER
    services.accounts.revoke_token(token_id)
    assert services.accounts.resolve_token(token) is None


def test_inactive_account_cannot_sign_in(services):
    principal, password = services.accounts.create_user("weg", "researcher", project="p-weg")
    services.accounts.set_active(principal.account_id, False)
    assert services.accounts.authenticate("weg", password) is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "A", "role": "adviser", "organisation": "MIN-A"}, "username"),
        ({"username": "someone", "role": "boss"}, "role"),
        ({"username": "someone", "role": "adviser"}, "organisation"),
        ({"username": "someone", "role": "or", "organisation": "NOPE",
          "known_organisations": frozenset({"MIN-A"})}, "organisation"),
    ],
)
def test_invalid_accounts_are_refused_by_field(services, kwargs, field):
    with pytest.raises(ValidationFailed) as caught:
        services.accounts.create_user(**kwargs)
    assert field in {e.field for e in caught.value.errors}


def test_duplicate_username_is_a_conflict(services):
    services.accounts.create_user("dubbel", "researcher", project="p-dubbel")
    with pytest.raises(Conflict):
        services.accounts.create_user("dubbel", "researcher", project="p-dubbel")


def test_scopes_follow_the_role(services):
    adviser, _ = services.accounts.create_user("a-1", "adviser", organisation="MIN-A")
    gor, _ = services.accounts.create_user("g-1", "gor")
    assert adviser.organisations == frozenset({"MIN-A"})
    assert gor.organisations is None
