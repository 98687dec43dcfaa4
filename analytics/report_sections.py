"""The parts of the signalenrapportage beside its tables, as data and as XLSX sheets.

- *Wat valt op?*: the hotspot checks (``analytics.findings``) in the same three lists as the
  dashboard and the API; the signed JSON holds ``findings`` with the API's objects, and
  ``too_small`` and ``nothing_found`` as the API lists them.
- *Wat betekenen de marges?*: a short plain-Dutch explanation with a worked example taken from
  the report's own figures (the largest category that is not too uncertain). It is the only
  sentence that says "met 95% zekerheid", and it says so about a released figure's interval;
  no sentence claims a certainty about a named unit.
- *Meldknop*: the anonymous self-reports of employees (``PlanYear.meldknop``), counted apart
  from what advisers log and never part of a finding; nobody has acted on them, so they are in
  no follow-up figure either (their follow-up code is the meldknop's own).
- *Psychosociale arbeidsbelasting*: the categories the taxonomy groups as PSA (Arbowet art. 1
  lid 3 sub e: onderscheid, seksuele intimidatie, agressie en geweld, pesten, werkdruk) added
  up, with each of them below, so the figures can be laid beside the RI&E. Categories get
  independent noise, so the sum's variance is the sum of theirs.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from analytics.findings import summarise
from analytics.intervals import Estimate, total
from analytics.naming import lower_first
from analytics.plan import PlanYear
from analytics.reading import display
from privacy.plan import RIJK
from registry.organisations import OrgStructure
from registry.taxonomy import PSA_GROUP, Taxonomy

MELDKNOP = "meldknop_per_categorie"
MELDKNOP_TITLE = ("Meldknop: meldingen die medewerkers zelf anoniem deden, per categorie "
                  "(apart geteld)")
MELDKNOP_NOTE = ("Via de meldknop op het intranet kunnen medewerkers zelf anoniem een signaal "
                 "achterlaten. Die meldingen zijn niet door een adviseur vastgelegd en kunnen "
                 "niet worden nagegaan. Ze tellen daarom apart: ze zitten niet in de andere "
                 "cijfers van dit verslag en niet in wat opvalt. Niemand heeft ze opgepakt: er is "
                 "geen opvolging bekend, en ze tellen ook niet mee in de cijfers over opvolging.")
PSA = "psychosociale_arbeidsbelasting"
PSA_NOTE = ("Psychosociale arbeidsbelasting (PSA) is volgens de Arbowet (artikel 1, lid 3, "
            "onder e): discriminatie, seksuele intimidatie, agressie en geweld, pesten en "
            "werkdruk die stress geven. De werkgever moet die risico's in de RI&E opnemen en "
            "aanpakken in het plan van aanpak. Hier staan de zaken over deze onderwerpen samen, "
            "met elk onderwerp eronder, zodat u ze naast de RI&E kunt leggen.")
MARGINS_TITLE = "Wat betekenen de marges?"


def meldknop(py: PlanYear, unit: str) -> dict[str, Estimate]:
    """The meldknop's self-reports by category, with their total first (a complete year)."""
    if not py.complete:
        return {}
    if unit == RIJK:
        per_org = [py.meldknop(o.code) for o in py.org.organisations]
        codes = list(dict.fromkeys(c for found in per_org for c in found))
        found = {c: total(f[c] for f in per_org if c in f) for c in codes}
    else:
        found = py.meldknop(unit)
    if not found:
        return {}
    return {"totaal": total(found.values()), **found}


def psa(py: PlanYear, unit: str, taxonomy: Taxonomy) -> dict[str, Estimate]:
    """Cases about psychosocial workload together ("totaal"), then each PSA category (a complete
    year; categories the year's tables do not hold are left out)."""
    if not py.complete:
        return {}
    codes = [c for c in taxonomy.group_codes(PSA_GROUP) if c in py.category_codes()]
    if not codes:
        return {}
    found = {code: py.category(unit, code) for code in codes}
    return {"totaal": total(found.values()), **found}


def psa_title(taxonomy: Taxonomy) -> str:
    group = taxonomy.groups.get(PSA_GROUP)
    label = group.label_nl if group is not None else "Psychosociale arbeidsbelasting"
    return f"{label}: zaken samen en per onderwerp"


def findings_part(py: PlanYear, unit: str, org: OrgStructure, taxonomy: Any,
                  ) -> dict[str, Any]:
    """What the report adds under ``findings``, ``too_small``, ``nothing_found`` and
    ``findings_check`` (the period, the error control and the words of the three lists)."""
    summary = summarise(py, unit, org, taxonomy)
    data = summary.as_json()
    return {
        "findings": data["findings"], "too_small": data["too_small"],
        "nothing_found": data["nothing_found"],
        "findings_check": {
            "period": summary.period, "period_label": summary.period_label,
            "period_text": _period_text(summary.period, summary.period_label),
            "alpha": data["alpha"], "alpha_per_organisation": data["alpha_per_organisation"],
            "error_control": data["error_control"], "method": data["method"],
            "intro": summary.intro, "note": summary.note,
            "too_small_groups": [g.as_json() for g in summary.too_small],
            "nothing_text": summary.nothing_text,
        },
    }


def _period_text(period: str | None, label: str) -> str | None:
    if period is None:
        return None
    if "-H" in period:
        return f"Bekeken: {label} (het jaar loopt nog; het hele jaar volgt na afloop)."
    return f"Bekeken: heel {label}, met de twee halfjaren om te zien of het in beide speelde."


# The report's tables whose figures are not counts of cases: a margin "±N zaken" is not theirs.
NOT_CASES = frozenset({"zonder_formele_opvolging"})
CATEGORY_TABLE = "zaken_per_categorie"


def typical_table_margin(tables: Mapping[str, list[dict[str, Any]]],
                         keys: Iterable[str] | None = None) -> int | None:
    """The median 95% margin, in cases, of the figures the tables show (of ``keys`` only, when
    given): what "Wat betekenen de marges?" states, so it holds for the rows a reader sees.
    Every row counts, a 'te onzeker' one too: its margin is the reason it is too uncertain."""
    wanted = None if keys is None else set(keys)
    widths = [float(row["half_width"]) for key, rows in tables.items()
              if key not in NOT_CASES and (wanted is None or key in wanted) for row in rows]
    return round(statistics.median(widths)) if widths else None


def margins(estimates: Mapping[str, Mapping[str, Estimate]],
            tables: Mapping[str, list[dict[str, Any]]], margin: int | None) -> list[str]:
    """"Wat betekenen de marges?", with an example from the report's own figures."""
    out = ["Elk cijfer in dit verslag is een schatting. Om te voorkomen dat iemand uit de "
           "cijfers te herleiden is, telt het register bij elk gepubliceerd cijfer een "
           "willekeurige afwijking (ruis) op. Hoe groot die ruis kan zijn, ligt vooraf vast en "
           "is openbaar. Daarom staat bij elk cijfer een marge, het 95%-interval."]
    example = _example(estimates, tables)
    if example:
        out.append(example)
    if margin is not None:
        text = f"Bij de meeste cijfers in dit verslag is de marge ongeveer ±{margin} zaken."
        # The categories are the table read first; their margin often differs from the rest
        # (for the Rijk ±9 against ±31 for channels and roles), so it is said on its own when
        # "ongeveer" does not cover the difference.
        per_category = typical_table_margin(tables, (CATEGORY_TABLE,))
        if per_category is not None and abs(per_category - margin) > 1:
            text += f" Bij de cijfers per categorie is de marge ongeveer ±{per_category} zaken."
        out.append(text)
    out.append("Een aantal wordt nooit onder nul getoond. Is de marge groter dan het cijfer "
               "zelf, dan staat er 'te onzeker' met het gebied waarin het echte aantal ligt: "
               "zo'n cijfer is niet te onderscheiden van nul. Verschillen binnen de marge "
               "zeggen niets.")
    out.append("Bij wat opvalt staat ook een schatting met een gebied. Die onderdelen zijn "
               "juist genoemd omdat hun cijfer hoog uitviel; het echte aantal ligt dan vaker "
               "lager dan de schatting. Lees dat gebied daarom als een aanwijzing, niet als "
               "een marge zoals bij de andere cijfers.")
    return out


def _example(estimates: Mapping[str, Mapping[str, Estimate]],
             tables: Mapping[str, list[dict[str, Any]]]) -> str | None:
    """"Voor pesten staat 75: het echte aantal ligt met 95% zekerheid tussen 66 en 84."."""
    for key, what in (("zaken_per_categorie", None), ("zaken_totaal", "het aantal zaken"),
                      ("tot_nu_toe", "het aantal nieuwe zaken tot nu toe")):
        found = estimates.get(key)
        if not found:
            continue
        labels = {r["code"]: r["label"] for r in tables.get(key, [])}
        clear = {c: e for c, e in found.items() if not display(e).too_uncertain}
        code = max(clear or found, key=lambda c: (clear or found)[c].value)
        shown = display(found[code])
        name = what or lower_first(labels.get(code, code))
        if shown.too_uncertain:
            return (f"Voor {name} staat 'te onzeker': het echte aantal ligt met 95% zekerheid "
                    f"{shown.interval_text}, en is dus niet te onderscheiden van nul.")
        return (f"Voor {name} staat {shown.number}: het echte aantal ligt met 95% zekerheid "
                f"{shown.interval_text}.")
    return None


# -- output: the XLSX sheets (the HTML is rendered in dashboards/report_html.py) ----------


def findings_sheets(book: Any, figures: Mapping[str, Any]) -> None:
    """The three lists as sheets of the workbook (text guarded by the caller)."""
    check = figures.get("findings_check")
    if not check:
        return
    found = book.create_sheet("gevonden")
    found.append(["Wat valt op?", check["period_label"], check["note"] or ""])
    found.append(["periode", "onderdeel", "naam", "categorie", "omschrijving", "schatting",
                  "gebied_van", "gebied_tot", "verwacht", "consistent", "stabiel",
                  "hoe_berekend"])
    for f in figures["findings"]:
        ev = f["evidence"]
        found.append([f["period"], f["unit"], f["unit_name"], f["category_label"],
                      f["sentence_nl"], ev["estimate"], ev["ci95"][0], ev["ci95"][1],
                      ev["expected"], ev["consistent"], ev["stable"], f["explanation_nl"]])
    small = book.create_sheet("te_klein")
    small.append(["categorie", "aantal_onderdelen", "vanaf_fte", "tot_fte", "omschrijving",
                  "onderdelen"])
    for g in check["too_small_groups"]:
        small.append([", ".join(g["category_labels"]), len(g["units"]), g["needed_fte_from"],
                      g["needed_fte_to"], g["text_nl"], ", ".join(g["units"])])
    nothing = book.create_sheet("niets_gevonden")
    nothing.append([check["nothing_text"]])
    nothing.append(["onderdeel", "categorie"])
    for p in figures["nothing_found"]:
        nothing.append([p["unit"], p["category"]])
