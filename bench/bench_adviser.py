"""How long an adviser needs to log a contact: a scripted practised user, timed, plus a
keystroke-level model of the human time.

The scripted user is the browser test's typical contact (``tests/browser/keyboard.py``): this
month, a unit found by typing part of its name, the adviser's own channel (preset), one subject,
who was involved, who reported, a follow-up, a new case token, saved with Enter. Each run opens
the form in Debian's chromium (Playwright, headless) against the app served on 127.0.0.1 and
times from the request for the form to the saved page showing its receipt; the median of the
runs is reported, with the key presses counted.

A script presses keys far faster than a person, so the human time is modelled with the
Keystroke-Level Model (S. K. Card, T. P. Moran and A. Newell, "The keystroke-level model for
user performance time with interactive systems", Communications of the ACM 23(7), 1980), with
its published operator times: K = 0.28 s per key press (an average non-secretarial typist),
P = 1.1 s to point with the mouse, B = 0.1 s to press or release its button, H = 0.4 s to move a
hand between keyboard and mouse, M = 1.35 s of mental preparation. The system's own response
time R is the measured one. Ms are placed by Card, Moran and Newell's heuristics: one per
decision about the contact (unit, subject, who was involved, who reported, follow-up, case);
none for steps a practised user anticipates (the preset channel, saving).

A first-time user (the walkthrough) also reads the page: the questions and the text around them
(headings, labels, legends, hints) at 238 words a minute, the average silent reading rate for
non-fiction (M. Brysbaert, "How many words do we read per minute?", Journal of Memory and
Language 109, 2019), scans the choices of each question at twice that rate until the one they
need (a self-terminating search: half the choices on average; reading them all is printed as
the upper bound), and needs an M for every question, the preset channel and saving included.
They use the mouse.

    .venv/bin/python bench/bench_adviser.py            # 7 runs
    .venv/bin/python bench/bench_adviser.py --runs 15
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from werkzeug.serving import make_server  # noqa: E402

from registry.accounts import Role  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.helpers import sign_in  # noqa: E402
from tests.browser.keyboard import UNIT_SEARCH, Keyboard, log_typical_contact  # noqa: E402
from tests.browser.live_app import build_app, create_accounts  # noqa: E402

K, P, B, H, M = 0.28, 1.1, 0.1, 0.4, 1.35
READING_WPM = 238
SCANNING_WPM = 2 * READING_WPM
PRACTISED_TARGET_S = 20.0
FIRST_TIME_TARGET_S = 60.0
# The decisions of a typical contact that need thought; the preset channel and saving do not.
DECISIONS = ("unit", "subject", "implicated party", "reporter", "follow-up", "case")
QUESTIONS = ("period", "unit", "channel", "subject", "implicated party", "reporter",
             "follow-up", "consequences", "case", "save")
CHOICE_CLICKS = 5  # subject, implicated party, reporter, follow-up, new case token


@dataclass(frozen=True)
class Run:
    seconds: float
    response: float
    presses: int


def keyboard_model(presses: int, response: float) -> float:
    return presses * K + len(DECISIONS) * M + response


def mouse_operators() -> float:
    """The practised mouse path without its Ms: the unit from the list (open it, pick the
    option), the five chips, the save button; one hand move to the mouse."""
    pointing = 2 + CHOICE_CLICKS + 1
    return H + pointing * (P + 2 * B)


def mouse_model(response: float) -> float:
    return mouse_operators() + len(DECISIONS) * M + response


def first_time_model(question_words: int, choice_words: float, response: float) -> float:
    reading = question_words / READING_WPM * 60 + choice_words / SCANNING_WPM * 60
    return reading + mouse_operators() + len(QUESTIONS) * M + response


def _words(page: object, script: str) -> int:
    return int(page.evaluate(script))  # type: ignore[attr-defined]


QUESTION_WORDS = """() => {
  const main = document.querySelector('main');
  const parts = [...main.querySelectorAll('h1, .lead, legend, form label, .hint')]
    // What a sighted reader sees: not the hints kept for screen readers (1 px, clipped).
    .filter(el => el.getBoundingClientRect().width > 1 && !el.closest('.chip'))
    .map(el => el.innerText);
  return parts.join(' ').split(/\\s+/).filter(Boolean).length;
}"""
CHOICE_WORDS = """() => [...document.querySelectorAll('.chips .chip label')]
  .map(el => el.innerText).join(' ').split(/\\s+/).filter(Boolean).length"""


def measure(runs: int) -> tuple[list[Run], int, int]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder))
        accounts = create_accounts(app.extensions["signal_registry"])
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}"
        results: list[Run] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                     headless=True, args=CHROMIUM_ARGS)
                context = browser.new_context(base_url=url, locale="nl-NL",
                                              viewport={"width": 1280, "height": 800})
                page = context.new_page()
                sign_in(page, accounts[Role.ADVISER])
                page.goto("/signalen/nieuw")
                question_words = _words(page, QUESTION_WORDS)
                choice_words = _words(page, CHOICE_WORDS)
                for _ in range(runs + 1):  # the first run warms up templates and the browser
                    start = time.perf_counter()
                    page.goto("/signalen/nieuw")
                    keys = Keyboard(page)
                    log_typical_contact(page, keys)
                    sent = time.perf_counter()
                    page.wait_for_selector("#receipt-value")
                    done = time.perf_counter()
                    results.append(Run(done - start, done - sent, keys.presses))
                browser.close()
        finally:
            server.shutdown()
            app.extensions["signal_registry"].db.dispose()
    return results[1:], question_words, choice_words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium)")
    runs, question_words, choice_words = measure(args.runs)
    scripted = statistics.median(r.seconds for r in runs)
    response = statistics.median(r.response for r in runs)
    presses = runs[0].presses
    keyboard = keyboard_model(presses, response)
    mouse = mouse_model(response)
    first = first_time_model(question_words, choice_words / 2, response)
    first_all = first_time_model(question_words, choice_words, response)
    load = os.getloadavg()[0]
    print(f"typical contact: {presses} key presses ({len(UNIT_SEARCH)} of them typing the unit)")
    print(f"scripted practised user: median {scripted:.2f} s over {len(runs)} runs "
          f"(min {min(r.seconds for r in runs):.2f}, max {max(r.seconds for r in runs):.2f}); "
          f"saving answered in {response * 1000:.0f} ms; load average {load:.1f}")
    print(f"model, practised, keyboard: {keyboard:.1f} s = {presses} K + {len(DECISIONS)} M + R"
          f"  [target < {PRACTISED_TARGET_S:.0f} s: {'met' if keyboard < PRACTISED_TARGET_S else 'NOT met'}]")
    print(f"model, practised, mouse:    {mouse:.1f} s = H + 8 (P + 2B) + {len(DECISIONS)} M + R"
          f"  [target < {PRACTISED_TARGET_S:.0f} s: {'met' if mouse < PRACTISED_TARGET_S else 'NOT met'}]")
    print(f"model, first time (mouse):  {first:.1f} s = reading {question_words} words of "
          f"questions at {READING_WPM} wpm + scanning half of the {choice_words} words of "
          f"choices at {SCANNING_WPM} wpm + the mouse path + {len(QUESTIONS)} M + R"
          f"  [target < {FIRST_TIME_TARGET_S:.0f} s: {'met' if first < FIRST_TIME_TARGET_S else 'NOT met'}]")
    print(f"model, first time, reading every choice: {first_all:.1f} s (upper bound)")


if __name__ == "__main__":
    main()
