"""The signalenrapportage's first page: what can and cannot be concluded this year.

Built from the report's own figures (``analytics.report.build_report``) after they are shown
through ``analytics.reading``: a figure is named as a conclusion only when it is not "te
onzeker", a change only when its interval does not hold zero, and the checks' findings only as
the checks put them. Everything else goes under what cannot be concluded, with the reason in
plain Dutch (B1). No codes, no statistics terms beyond "marge": a council member reads this
page first and may read nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analytics.naming import lower_first

SUMMARY_TITLE = "Samenvatting: wat kunt u dit jaar concluderen?"
# Sections whose rows are "aantal zaken" per value of one dimension.
COUNT_SECTIONS = ("zaken_per_categorie", "zaken_per_kanaal", "zaken_per_betrokkene",
                  "zaken_per_rol_melder", "zaken_per_opvolging", "zaken_per_gevolg",
                  "psychosociale_arbeidsbelasting", "meldknop_per_categorie", "per_maand")
NAMED_AT_MOST = 5


def _names(labels: Sequence[str]) -> str:
    """'a', 'a en b', 'a, b en c'; more than ``NAMED_AT_MOST`` ends with 'en nog N andere'."""
    shown = [lower_first(label) for label in labels[:NAMED_AT_MOST]]
    rest = len(labels) - len(shown)
    if rest > 0:
        return ", ".join(shown) + f" en nog {rest} andere"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " en " + shown[-1]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# What a step of the summary can say and what it cannot, most important first.
Sentences = tuple[list[str], list[str]]


def conclusions(figures: Mapping[str, Any]) -> dict[str, list[str]]:
    """``{"can": [...], "cannot": [...]}``: plain Dutch sentences, most important first."""
    tables: Mapping[str, list[dict[str, Any]]] = figures["tables"]
    can: list[str] = []
    cannot: list[str] = []
    for step_can, step_cannot in (_total(figures, tables), _top_categories(tables),
                                  _change(figures, tables), _missing(figures),
                                  _precision(tables), _checks(figures)):
        can += step_can
        cannot += step_cannot
    return {"can": can, "cannot": cannot}


def _total(figures: Mapping[str, Any], tables: Mapping[str, list[dict[str, Any]]]) -> Sentences:
    """The year's number of cases, or that it is too uncertain to name."""
    totals = tables.get("zaken_totaal") or tables.get("tot_nu_toe") or []
    if not totals:
        return [], []
    year, total = figures["year"], totals[0]
    if total["te_onzeker"]:
        return [], [f"Het aantal zaken in {year} is te onzeker om te noemen "
                    f"({total['weergave']})."]
    what = f"In {year} waren er" if figures["complete"] else f"In {year} waren er tot nu toe"
    return [f"{what} ongeveer {total['getal']} zaken ({_interval(total)})."], []


def _interval(row: Mapping[str, Any]) -> str:
    """A clear figure's interval alone, "tussen 625 en 655": its display text is "<getal>
    (<interval>)" (``analytics.reading.display_with_margin``), and a sentence that names the
    number already must not bracket the bracketed text again."""
    text, prefix = str(row["weergave"]), f"{row['getal']} ("
    if text.startswith(prefix) and text.endswith(")"):
        return text[len(prefix):-1]
    return text


def _top_categories(tables: Mapping[str, list[dict[str, Any]]]) -> Sentences:
    """The (at most three) largest categories whose figures are clear."""
    clear = sorted((r for r in tables.get("zaken_per_categorie") or [] if not r["te_onzeker"]),
                   key=lambda r: r["estimate"], reverse=True)
    if not clear:
        return [], []
    return ["De meeste zaken gingen over " + _names([r["label"] for r in clear[:3]]) + "."], []


def _change(figures: Mapping[str, Any], tables: Mapping[str, list[dict[str, Any]]]) -> Sentences:
    """The change since the previous year: in total, and the categories that clearly moved."""
    can: list[str] = []
    cannot: list[str] = []
    change = {r["code"]: r for r in tables.get("verandering") or []}
    if "totaal" in change:
        row = change["totaal"]
        previous = figures.get("previous_year")
        if row["te_onzeker"]:
            cannot.append(f"Of er meer of minder zaken waren dan in {previous}: het verschil "
                          "valt binnen de marge.")
        else:
            direction = "meer" if row["estimate"] > 0 else "minder"
            can.append(f"Er waren duidelijk {direction} zaken dan in {previous} "
                       f"(verschil {row['getal']}, {_interval(row)}).")
    moved = [r["label"] for code, r in change.items() if code != "totaal" and not r["te_onzeker"]]
    if moved:
        can.append("Duidelijk veranderd ten opzichte van het jaar ervoor: " + _names(moved) + ".")
    return can, cannot


def _missing(figures: Mapping[str, Any]) -> Sentences:
    """What the report cannot show yet: the comparison, the breakdowns of a running year."""
    year = figures["year"]
    cannot = []
    if figures["complete"] and figures.get("previous_year") is None:
        cannot.append(f"Een vergelijking met {year - 1}: over dat jaar zijn geen volledige "
                      "jaarcijfers gepubliceerd.")
    if not figures["complete"]:
        cannot.append(f"Cijfers per onderwerp, kanaal en opvolging: {year} loopt nog; die "
                      "volgen na afloop van het jaar.")
    return [], cannot


def _precision(tables: Mapping[str, list[dict[str, Any]]]) -> Sentences:
    """How many of the tables' figures are precise enough to read, and which are not."""
    shown = [r for key in COUNT_SECTIONS for r in tables.get(key) or []]
    vague = [r for r in shown if r["te_onzeker"]]
    can = []
    cannot = []
    if shown:
        can.append(f"{len(shown) - len(vague)} van de {len(shown)} cijfers in de tabellen zijn "
                   "nauwkeurig genoeg om te lezen.")
    vague_categories = [r["label"] for r in tables.get("zaken_per_categorie") or []
                        if r["te_onzeker"]]
    if vague:
        text = (f"{_count(len(vague), 'cijfer is', 'cijfers zijn')} te onzeker: het echte "
                "aantal kan ook nul zijn.")
        if vague_categories:
            text += " Bij de onderwerpen: " + _names(vague_categories) + "."
        cannot.append(text)
    return can, cannot


def _checks(figures: Mapping[str, Any]) -> Sentences:
    check = figures.get("findings_check")
    if not check:
        return [], []
    if check.get("note"):
        return [], [str(check["note"])]
    found = figures.get("findings") or []
    can = []
    if found:
        units = list(dict.fromkeys(str(f.get("unit_name") or f["unit"]) for f in found))
        can.append("Wat opvalt: " + _count(len(found), "plek", "plekken")
                   + " met duidelijk meer zaken dan je zou verwachten, bij " + _names(units)
                   + ". Dat is een reden om te kijken en in gesprek te gaan, geen bewijs.")
    else:
        can.append("Geen enkel onderdeel heeft duidelijk meer zaken dan je zou verwachten.")
    groups = check.get("too_small_groups") or []
    cannot = []
    if groups:
        # Distinct units: a unit too small for several categories is one unit, not one per
        # category (the groups list a unit once per group of categories).
        small = (len({str(p["unit"]) for p in figures.get("too_small") or []})
                 or len({unit for g in groups for unit in g["units"]}))
        they = "dat is" if small == 1 else "die zijn"
        cannot.append(f"Of er iets opvalt bij {_count(small, 'onderdeel', 'onderdelen')}: "
                      f"{they} voor een of meer onderwerpen te klein om te beoordelen.")
    return can, cannot
