"""Who may see which organisation and which figures (``web.permissions``), as pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.accounts import Principal, Role
from registry.errors import Forbidden
from registry.organisations import OrgStructure, OrgUnit
from web.permissions import (
    COUNCIL_ROLES,
    FIGURE_READERS,
    OrganisationAccess,
    default_organisation,
    may_read_figures,
    may_read_release,
    may_see_organisation,
    may_see_rijk_totals,
    organisation_access,
    sees_every_organisation,
    visible_organisations,
)

CODES = ("MIN-A", "MIN-B", "MIN-C", "MIN-D")


def structure(codes: tuple[str, ...] = CODES) -> OrgStructure:
    organisations = [OrgUnit(code, f"Ministerie {code}", None, code, 500) for code in codes]
    units = [OrgUnit(f"{code}-DG", "DG", code, code, 200) for code in codes]
    return OrgStructure(tuple(organisations + units))


def person(role: Role, organisation: str | None = "MIN-A", project: str | None = None) -> Principal:
    return Principal("id", "naam", role, organisation, None, project)


@pytest.mark.parametrize("role", [Role.ADVISER, Role.PREVENTION_OFFICER, Role.WORKS_COUNCIL])
def test_a_scoped_role_sees_its_own_organisation_only(role: Role) -> None:
    who = person(role, "MIN-B")
    assert visible_organisations(who, structure()) == ["MIN-B"]
    assert organisation_access(who, structure(), "MIN-B") is OrganisationAccess.VISIBLE
    assert organisation_access(who, structure(), "MIN-A") is OrganisationAccess.OUT_OF_SCOPE
    assert not sees_every_organisation(who)


@pytest.mark.parametrize("role", [Role.CENTRAL_WORKS_COUNCIL, Role.RESEARCHER])
def test_the_gor_and_researchers_see_every_organisation_in_structure_order(role: Role) -> None:
    who = person(role, None)
    assert visible_organisations(who, structure()) == list(CODES)
    assert sees_every_organisation(who)


def test_an_unknown_code_is_unknown_before_it_is_out_of_scope() -> None:
    # Nothing about scope is said of a code that does not exist (404/422, never 403).
    for who in (person(Role.WORKS_COUNCIL), person(Role.CENTRAL_WORKS_COUNCIL, None)):
        assert organisation_access(who, structure(), "NOPE") is OrganisationAccess.UNKNOWN
    # A unit is not an organisation.
    assert organisation_access(person(Role.WORKS_COUNCIL), structure(),
                               "MIN-A-DG") is OrganisationAccess.UNKNOWN


def test_a_scoped_role_without_an_organisation_sees_nothing() -> None:
    who = person(Role.PREVENTION_OFFICER, None)
    assert visible_organisations(who, structure()) == []
    assert default_organisation(who, structure()) == ""


def test_the_default_organisation_is_ones_own_else_the_first_visible() -> None:
    assert default_organisation(person(Role.PREVENTION_OFFICER, "MIN-C"), structure()) == "MIN-C"
    assert default_organisation(person(Role.CENTRAL_WORKS_COUNCIL, None), structure()) == "MIN-A"
    # An organisation removed from the structure is no default.
    assert default_organisation(person(Role.WORKS_COUNCIL, "GONE"), structure()) == ""


def test_only_the_gor_sees_the_rijk_totals() -> None:
    assert may_see_rijk_totals(person(Role.CENTRAL_WORKS_COUNCIL, None))
    for role in (Role.WORKS_COUNCIL, Role.PREVENTION_OFFICER, Role.RESEARCHER, Role.ADVISER,
                 Role.ADMIN):
        assert not may_see_rijk_totals(person(role))


def test_published_figures_are_for_figure_readers_within_their_scope() -> None:
    assert may_read_figures(person(Role.PREVENTION_OFFICER, "MIN-A"), "MIN-A")
    assert not may_read_figures(person(Role.PREVENTION_OFFICER, "MIN-A"), "MIN-B")
    assert may_read_figures(person(Role.CENTRAL_WORKS_COUNCIL, None), "MIN-B")
    # A researcher sees every organisation in its own questions, but does not read the plan's
    # figures through the dashboards' API; an adviser records signals and reads no figures.
    assert not may_read_figures(person(Role.RESEARCHER, None, "p1"), "MIN-A")
    assert not may_read_figures(person(Role.ADVISER, "MIN-A"), "MIN-A")
    assert set(COUNCIL_ROLES) <= set(FIGURE_READERS)


def test_a_release_is_read_back_by_its_consumer_only() -> None:
    assert may_read_release(person(Role.WORKS_COUNCIL, "MIN-A"), "or:MIN-A")
    assert not may_read_release(person(Role.WORKS_COUNCIL, "MIN-B"), "or:MIN-A")
    assert not may_read_release(person(Role.CENTRAL_WORKS_COUNCIL, None), "or:MIN-A")
    assert may_read_release(person(Role.RESEARCHER, None, "p1"), "research:p1")
    assert not may_read_release(person(Role.RESEARCHER, None, "p2"), "research:p1")
    with pytest.raises(Forbidden):
        may_read_release(person(Role.ADMIN, None), "or:MIN-A")


code = st.sampled_from((*CODES, "NOPE", "MIN-A-DG", ""))
principals = st.builds(person, st.sampled_from(list(Role)), st.one_of(st.none(), code))


@given(who=principals, asked=code,
       present=st.lists(st.sampled_from(CODES), min_size=0, max_size=4, unique=True))
def test_nobody_ever_sees_an_organisation_outside_their_scope(
        who: Principal, asked: str, present: list[str]) -> None:
    org = structure(tuple(present))
    visible = visible_organisations(who, org)
    scope = who.organisations
    assert all(scope is None or c in scope for c in visible)
    assert set(visible) <= {u.code for u in org.organisations}
    access = organisation_access(who, org, asked)
    assert (access is OrganisationAccess.VISIBLE) == (asked in visible)
    if access is OrganisationAccess.VISIBLE:
        assert may_see_organisation(who, asked)
    if may_read_figures(who, asked) and asked in present:
        assert asked in visible
    assert default_organisation(who, org) in [*visible, ""]
