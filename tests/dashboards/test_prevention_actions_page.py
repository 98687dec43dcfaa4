"""The action register page looks like every other form: each field in a .field wrapper with its
label above it and its error beside it, every button a .button, and the register's table on the
council's follow-up page in a box of its own that scrolls sideways on a phone."""

from __future__ import annotations

from html.parser import HTMLParser

from registry.accounts import Role
from registry.actions import ActionRecord
from registry.taxonomy.outcomes import load_outcome_codes

ACTION = {"title": "Training omgangsvormen voor alle teams", "owner_role": "po_hr",
          "due_month": "2026-06", "status": "gepland"}
FIELDS = ("title", "owner_role", "due_month", "status")


class Controls(HTMLParser):
    """Every input, select and button with the classes of the elements around it."""

    VOID = frozenset({"input", "br", "img", "meta", "link", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, str]] = []
        self.found: list[tuple[str, dict[str, str], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {k: v or "" for k, v in attrs}
        if tag in ("input", "select", "button"):
            self.found.append((tag, named, [c for _, c in self.open]))
        if tag not in self.VOID:
            self.open.append((tag, named.get("class", "")))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass


def controls(html: str) -> list[tuple[str, dict[str, str], list[str]]]:
    parser = Controls()
    parser.feed(html)
    return parser.found


def add_action(services) -> str:  # type: ignore[no-untyped-def]
    services.actions.add("MIN-A", ActionRecord.from_payload(ACTION, load_outcome_codes()),
                         "preventie")
    return str(services.actions.list("MIN-A")[0].id)


def test_every_field_has_its_wrapper_and_every_button_the_button_style(client, services, login):
    action_id = add_action(services)
    login(Role.PREVENTION_OFFICER, "MIN-A")
    html = client.get("/dashboard/acties").get_data(as_text=True)
    found = controls(html.split("<main", 1)[1])
    fields = [(attrs["id"], around) for tag, attrs, around in found
              if tag in ("input", "select") and attrs.get("type") != "hidden"]
    expected = {f"{prefix}{name}" for prefix in (f"a-{action_id}-", "nieuw-") for name in FIELDS}
    assert {field_id for field_id, _ in fields} == expected
    for field_id, around in fields:
        assert "field" in around[-1].split(), f"{field_id} is not in a .field wrapper: {around}"
        assert f'<label for="{field_id}">' in html
    buttons = [attrs for tag, attrs, _ in found if tag == "button"]
    assert len(buttons) == 3  # save, remove, add
    for attrs in buttons:
        assert "button" in attrs.get("class", "").split(), attrs
    assert f"/dashboard/acties/{action_id}/verwijderen" in html
    assert 'class="button secondary">Verwijderen: Training omgangsvormen' in html


def test_a_refused_field_gets_the_error_style_of_every_form(client, login, csrf_from):
    login(Role.PREVENTION_OFFICER, "MIN-A")
    token = csrf_from(client.get("/dashboard/acties").get_data(as_text=True))
    reply = client.post("/dashboard/acties", data={**ACTION, "title": "Bel 06-1234 5678 terug",
                                                   "csrf_token": token})
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    field = html.split('<label for="nieuw-title">', 1)[0].rsplit("<div", 1)[1]
    assert 'class="field has-error"' in field
    assert 'id="nieuw-title-error"' in html


def test_the_council_reads_the_register_in_a_scrolling_box(client, services, login):
    add_action(services)
    login(Role.WORKS_COUNCIL, "MIN-A")
    html = client.get("/raad/organisatie/MIN-A/opvolging").get_data(as_text=True)
    box = html.split('class="table-scroll"', 1)
    assert len(box) == 2, "the action register has no scroll box"
    assert 'role="region" aria-labelledby="actieregister"' in box[1].split(">", 1)[0]
    table = box[1].split("</table>", 1)[0]
    assert 'class="figures action-register"' in table and ACTION["title"] in table
