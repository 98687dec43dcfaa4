"""The researcher API: previews are free, releases are paid once, cover the public grid, verify."""

import json

import pytest

from privacy.exports import verify_release_file
from registry.accounts import Role
from registry.periods import Month
from registry.records import SignalRecord

MONTH = Month.current()
SPEC = {"measure": "contacts", "group_by": ["period", "unit", "category"],
        "from": str(MONTH.add(-2)), "to": str(MONTH), "grain": "month", "epsilon": "0.5"}
# A laplace question of epsilon 0.5 is charged rho 0.5^2 / 2 = 0.125 (privacy.accounting).
COST = "0.125"


@pytest.fixture
def seeded(services):
    records = [
        SignalRecord(period=MONTH.add(-(i % 3)), unit=unit,
                     organisation=unit.split("-")[0] + "-" + unit.split("-")[1],
                     channel="vp_intern", categories=("pesten",), implicated_party="collega",
                     reporter_role="medewerker", follow_up="advies")
        for i in range(30) for unit in ("MIN-A-DG1-D1", "MIN-A-DG1-D2-T1", "MIN-B-D2")
    ]
    services.signals.store_many(records, receipts=False)
    return services


def test_preview_states_cost_and_accuracy_and_spends_nothing(client, make_token, seeded):
    headers = make_token(Role.RESEARCHER, None)
    preview = client.post("/api/v1/queries/preview", json=SPEC, headers=headers).get_json()
    assert preview["cost"] == COST and preview["allowed"] and not preview["cached"]
    years = sorted({MONTH.add(-2).year, MONTH.year})
    assert preview["budget_unit"] == "rho" and preview["data_years"] == years
    assert preview["simultaneous_ci95_halfwidth"] >= preview["ci95_halfwidth"] > 0
    assert client.get("/api/v1/budget", headers=headers).get_json()["spent"] == "0"


def test_a_release_holds_every_public_key_and_no_small_unit(client, make_token, seeded):
    headers = make_token(Role.RESEARCHER, None)
    answer = client.post("/api/v1/queries", json=SPEC, headers=headers).get_json()
    units = {cell["unit"] for cell in answer["cells"]}
    assert "MIN-A-DG1-D2-T1" not in units and "MIN-B-D2" not in units  # below 50 FTE
    assert units == {"MIN-A", "MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG2",
                     "MIN-B", "MIN-B-D1"}
    n_categories = len(seeded.taxonomy.codes("categories"))
    assert len(answer["cells"]) == 3 * len(units) * n_categories
    for cell in answer["cells"]:
        low, high = cell["ci95"]
        assert low <= cell["estimate"] <= high


def test_same_spec_again_returns_the_same_release_and_spends_nothing(client, make_token, seeded):
    headers = make_token(Role.RESEARCHER, None)
    first = client.post("/api/v1/queries", json=SPEC, headers=headers)
    again = client.post("/api/v1/queries", json=dict(reversed(list(SPEC.items()))), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["release_id"] == first.get_json()["release_id"]
    assert again.get_json()["cells"] == first.get_json()["cells"]
    assert again.get_json()["rho_spent"] == "0"
    assert first.get_json()["rho_spent"] == COST
    assert client.get("/api/v1/budget", headers=headers).get_json()["spent"] == COST


def test_over_budget_is_refused_naming_what_remains(client, make_token, seeded):
    headers = make_token(Role.RESEARCHER, None)
    # The test share is rho 0.5: epsilon 1 (rho 0.5) takes all of it.
    assert client.post("/api/v1/queries", json={**SPEC, "epsilon": "1"},
                       headers=headers).status_code == 201
    refused = client.post("/api/v1/queries", json={**SPEC, "measure": "cases"}, headers=headers)
    assert refused.status_code == 403
    error = refused.get_json()["errors"][0]
    assert error["field"] == "epsilon" and "er resteert rho 0 " in error["message"]


def test_a_new_account_without_a_share_can_spend_nothing(client, services, make_user, seeded):
    principal, _ = make_user(Role.RESEARCHER, None, share=None)
    token = services.accounts.create_token(principal.account_id, "test")
    refused = client.post("/api/v1/queries", json=SPEC,
                          headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    assert "Zonder toegekend aandeel" in refused.get_json()["errors"][0]["message"]


def test_a_question_spanning_two_data_years_is_charged_to_both(client, services, make_user,
                                                               seeded):
    principal, _ = make_user(Role.RESEARCHER, None)
    token = services.accounts.create_token(principal.account_id, "test")
    spec = {**SPEC, "from": f"{MONTH.year - 1}-12", "to": f"{MONTH.year}-01"}
    answer = client.post("/api/v1/queries", json=spec,
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.get_json()
    consumer = f"research:{principal.project}"
    for year in (MONTH.year - 1, MONTH.year):
        assert str(services.ledger.status(consumer, year).spent) == "1/8"


def test_bad_spec_is_refused_naming_the_field(client, make_token, seeded):
    headers = make_token(Role.RESEARCHER, None)
    response = client.post("/api/v1/queries", json={**SPEC, "grain": "week", "epsilon": 0.1},
                           headers=headers)
    assert response.status_code == 422
    assert {"grain", "epsilon"} <= {e["field"] for e in response.get_json()["errors"]}


def test_a_works_council_only_sees_its_own_organisation(client, make_token, seeded):
    headers = make_token(Role.WORKS_COUNCIL, "MIN-A")
    answer = client.post("/api/v1/queries", json=SPEC, headers=headers).get_json()
    assert {cell["unit"] for cell in answer["cells"]} <= {"MIN-A", "MIN-A-DG1", "MIN-A-DG1-D1",
                                                          "MIN-A-DG1-D2", "MIN-A-DG2"}
    other = client.post("/api/v1/queries", json={**SPEC, "filters": {"organisation": ["MIN-B"]}},
                        headers=headers)
    assert other.status_code == 422


def test_a_release_verifies_against_the_public_key_and_a_tampered_one_does_not(client, make_token, seeded):
    headers = make_token(Role.RESEARCHER, None)
    release_id = client.post("/api/v1/queries", json=SPEC, headers=headers).get_json()["release_id"]
    key = client.get("/api/v1/releases/public-key").get_json()["public_key"]
    text = client.get(f"/api/v1/releases/{release_id}", headers=headers).get_data(as_text=True)
    assert verify_release_file(text, key).ok
    document = json.loads(text)
    document["document"]["result"]["cells"][0]["estimate"] += 1
    assert not verify_release_file(json.dumps(document), key).ok
    csv_text = client.get(f"/api/v1/releases/{release_id}?format=csv", headers=headers).get_data(as_text=True)
    assert verify_release_file(csv_text, key).ok


def test_another_researcher_cannot_read_a_release(client, make_token, seeded):
    owner, other = make_token(Role.RESEARCHER, None), make_token(Role.RESEARCHER, None)
    release_id = client.post("/api/v1/queries", json=SPEC, headers=owner).get_json()["release_id"]
    assert client.get(f"/api/v1/releases/{release_id}", headers=other).status_code == 404


def test_gaussian_and_laplace_questions_are_charged_to_one_share_in_rho(client, make_token,
                                                                        seeded):
    headers = make_token(Role.RESEARCHER, None)
    spec = {**SPEC, "mechanism": "gaussian", "rho": "0.05"}
    del spec["epsilon"]
    answer = client.post("/api/v1/queries", json=spec, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["mechanism"] == "gaussian"
    assert client.get("/api/v1/budget", headers=headers).get_json()["spent"] == "0.05"
    client.post("/api/v1/queries", json=SPEC, headers=headers)
    assert client.get("/api/v1/budget", headers=headers).get_json()["spent"] == "0.175"


def test_every_cell_is_also_given_as_a_person_should_read_it(client, make_token, seeded):
    # The raw estimate may be negative and its margin larger than itself; the shown reading
    # never is below zero and says "te onzeker" exactly when the margin exceeds the value.
    headers = make_token(Role.RESEARCHER, None)
    answer = client.post("/api/v1/queries", json=SPEC, headers=headers).get_json()
    uncertain = 0
    for cell in answer["cells"]:
        shown, (low, high) = cell["shown"], cell["ci95"]
        half = (high - low) / 2
        assert 0 <= shown["low"] <= shown["high"]
        assert shown["too_uncertain"] == (half > max(cell["estimate"], 0))
        if shown["too_uncertain"]:
            uncertain += 1
            assert shown["value"] is None and shown["text"].startswith("te onzeker")
        else:
            assert shown["low"] <= shown["value"] == cell["estimate"] <= shown["high"]
    assert answer["cells_too_uncertain"] == uncertain
