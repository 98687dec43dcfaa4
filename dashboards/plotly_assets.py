"""plotly.js and its stylesheet, from the installed plotly package, for a strict CSP.

plotly.js puts its own CSS rules (plot layout, hover labels, the mode bar) in a ``<style>``
element it adds to the page. A Content-Security-Policy without ``'unsafe-inline'`` blocks that
element, and the charts then lose their layout. plotly.js leaves it out when the page already
has an element with the id ``plotly.js-style-global`` and the class ``no-inline-styles``: the
dashboard links this stylesheet with that id and class, so the same rules come from a file.

The rules are read from the bundled plotly.js itself (the object literal it feeds to
``addStyleRule``), so they always match the plotly version that is served.

The bundled maplibre (map traces, which the dashboards do not draw) adds a ``<style>`` of its
own as plotly.js loads, unless an element with its id is in the page; the dashboard gives that
id to a second link to the same stylesheet (``maplibre_style_id``).
"""

from __future__ import annotations

import re
from functools import cache

# The rules object in plotly.js: {"X,X div":'direction:ltr;...', ..., Y:'...', ...}; X and Y
# stand for the plot's and the notifier's selectors.
_RULES_START = '{"X,X div":'
_RULES_END = "};for("
_RULE = re.compile(r"""(?:"([^"]*)"|([A-Za-z]+)):(?:'([^']*)'|"([^"]*)")""")
STYLE_ELEMENT_ID = "plotly.js-style-global"
_MAPLIBRE_STYLE = re.compile(
    r'document\.getElementById\("([0-9a-f]{64})"\)\)\{var \w+=document\.createElement\("style"\)')


def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


@cache
def maplibre_style_id() -> str | None:
    """The id of the element whose presence keeps maplibre's inline <style> out of the page."""
    found = _MAPLIBRE_STYLE.search(plotly_js())
    return found.group(1) if found else None


@cache
def plotly_css() -> str:
    """The CSS rules plotly.js would add to the page itself, as a stylesheet."""
    source = plotly_js()
    start = source.index(_RULES_START)
    end = source.index(_RULES_END, start)
    rules = []
    for quoted_key, bare_key, single, double in _RULE.findall(source[start + 1:end]):
        key = quoted_key or bare_key
        selector = re.sub(r"^,", " ,", key).replace("X", ".js-plotly-plot .plotly")
        selector = selector.replace("Y", ".plotly-notifier")
        rules.append(f"{selector}{{{single or double}}}")
    if not rules:
        raise RuntimeError("plotly.js has no style rules where they were expected")
    return "\n".join(rules) + "\n"
