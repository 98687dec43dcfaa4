"""What the margin of a published figure means: one wording, for every page and download.

The council's pages (a published month, a request's answer), the prevention dashboard and the
downloads of a published month say it in these words. The dashboard adds how its charts and
tables show the margin and its typical size; the signalenrapportage adds a worked example from
its own figures (``analytics.report_sections.margins``). A download is Dutch whatever the
reader's language: its caller renders it under ``force_locale("nl")``.
"""

from __future__ import annotations

from flask_babel import gettext as _


def margin_title() -> str:
    return str(_("Wat betekent de marge?"))


def margin_explanation() -> str:
    # gettext formats only when given a variable: without one, "%%" would stay "%%"
    return str(_("Elk cijfer is een schatting. Om te voorkomen dat iemand uit de cijfers te "
                 "herleiden is, telt het register bij elk gepubliceerd cijfer een willekeurige "
                 "afwijking (ruis) op, waarvan de grootte vooraf vastligt. De marge (het "
                 "95%%-interval) is het gebied waarin het echte aantal met 95%% zekerheid ligt. "
                 "Een aantal wordt nooit onder nul getoond. Is de marge groter dan het cijfer, "
                 "dan staat er 'te onzeker' met het gebied waarin het echte aantal ligt. "
                 "Verschillen binnen de marge zeggen niets.", of="marge"))


def margin_note() -> str:
    """Title and explanation in one paragraph: a download's note."""
    return f"{margin_title()} {margin_explanation()}"
