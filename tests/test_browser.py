"""End to end in a real browser: `streamlit run` + headless Chromium (Debian's) driven by Playwright, checked with
axe-core (installed from npm by `make test`; nothing is fetched while the test runs).

Never skipped: a missing browser or axe-core is a failure that says how to install it. Writes nothing in the
repository: with REVIEWQA_SCREENSHOTS=<folder> (what `make screenshot` sets) it saves the README's screenshots and
the browser timing there.
"""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from reviewqa.records import trial_url

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TITLE = "Ask the review: MSCs for azoospermia"
EGYPT = "Which clinical trials are recruiting in Egypt?"
EGYPT_TRIAL = "NCT02008799"
LONG_ANSWER = "Which MSC sources were differentiated into male germ cells in vitro?"  # a 38-row table, 40-odd references
SCREENSHOT_QUESTION = "How were MSCs transplanted into the testes of azoospermic animals?"
TIMED_QUESTIONS = (
    "Which MSC sources were differentiated into male germ cells in vitro?",
    "How do MSC exosomes help restore spermatogenesis?",
    "Which clinical trials treat azoospermia?",
    "Which bone marrow MSC animal models were used?",
    "and in rats?",
)
CITATION_MARKER = re.compile(r"\[\d+(?:[,–-] ?\d+)*\]")
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ANSWER_TIMEOUT_MS = 60_000
SCROLL_TIMEOUT_MS = 10_000  # how long the page may take to bring something into view
STARTUP_TIMEOUT_S = 120
SCREENSHOTS = os.environ.get("REVIEWQA_SCREENSHOTS")
# The app's own content: its main column, its sidebar and the question box's row (Streamlit's header and its
# sidebar's collapse control are the framework's).
APP_CONTENT = ['[data-testid="stMain"]', '[data-testid="stSidebarUserContent"]', '[data-testid="stBottom"]']


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_index):
    """The app under `streamlit run` on a free local port, serving the session's index."""
    port = free_port()
    env = {**os.environ, "REVIEWQA_INDEX": str(built_index.index_dir), "REVIEWQA_CORPUS": str(built_index.corpus_dir)}
    log = (tmp_path_factory.mktemp("browser") / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"streamlit did not start:\n{Path(log.name).read_text()}")
        time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), (f"{CHROMIUM} not found: install Debian's Chromium with "
                               "`apt-get install -y chromium chromium-driver` (or run `make test`, which does)")
    assert AXE.exists(), f"{AXE} not found: run `npm ci` (or `make test`, which does)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_app(browser, url: str, viewport: dict = WIDE):
    context = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())  # nothing leaves the machine
    page = context.new_page()
    page.goto(url)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    return page


def settled(page) -> None:
    """The script run has ended and the page's own scrolling (a new answer brought into view) is done."""
    page.wait_for_selector('[data-test-script-state="notRunning"]', timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_timeout(1500)


def answers(page):
    return page.get_by_text(re.compile(r"^Answered in "))


def ask(page, question: str) -> float:
    """Type a question, press Enter; seconds until its answer is on the page and the run ended."""
    before = answers(page).count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    expect(answers(page)).to_have_count(before + 1, timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_selector('[data-test-script-state="notRunning"]', timeout=ANSWER_TIMEOUT_MS)
    seconds = time.perf_counter() - started
    settled(page)
    return seconds


def turn(page, number: int):
    return page.locator(f".st-key-turn-{number}")


def in_view(page, locator) -> bool:
    """The element's top is on screen (in the upper part of the view, where a reader starts)."""
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"] * 0.6


def comes_into_view(page, locator, timeout_ms: int = SCROLL_TIMEOUT_MS) -> bool:
    """`in_view` within `timeout_ms`: the page scrolls in its own time, later on a loaded machine."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not in_view(page, locator):
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(200)
    return True


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.x A/AA violations in the app's own content, one line each."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async (include) => {
            const result = await axe.run({include: include.map(selector => [selector])},
                                         {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}});
            return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .flatMap(v => v.nodes.map(n => `${v.impact} ${v.id}: ${n.target.join(' ')} — ${(n.failureSummary || '').split('\\n')[1] || ''}`));
        }""", [selector for selector in APP_CONTENT if page.locator(selector).count()])
    return found


def save(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name))


def test_a_clinician_finds_recruiting_trials_in_egypt_and_follows_the_registry_link(server, browser):
    page = open_app(browser, server)
    assert page.title() == TITLE
    assert not page.get_by_role("button", name="Deploy").count()  # no developer toolbar for visitors
    expect(page.get_by_text("What you can ask")).to_be_visible()
    settled(page)
    assert comes_into_view(page, page.locator(".st-key-top")), "the landing page should read from its top"
    save(page, "landing.png")

    ask(page, EGYPT)
    answer = turn(page, 0)
    link = answer.locator(f'a[href="{trial_url(EGYPT_TRIAL)}"]')
    expect(link).to_be_visible()
    box, width = link.bounding_box(), page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # the code is in view: no sideways scrolling
    table = answer.get_by_test_id("stTable")
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth + 1"), "the answer's table is wider than its column"

    registry = {}
    page.context.route(trial_url(EGYPT_TRIAL), lambda route: (registry.setdefault("url", route.request.url),
                                                              route.fulfill(status=200, body="registry page")))
    with page.context.expect_page() as opened:
        link.click()
    opened.value.wait_for_load_state()
    assert opened.value.url == registry["url"] == trial_url(EGYPT_TRIAL)  # followed, in a new tab
    page.context.close()


def test_answers_start_in_view_and_a_reload_keeps_the_conversation(server, browser):
    page = open_app(browser, server)
    seconds = [ask(page, SCREENSHOT_QUESTION)]
    first = turn(page, 0).get_by_test_id("stChatMessage").last
    assert CITATION_MARKER.search(first.get_by_test_id("stMarkdownContainer").first.inner_text()) or \
        CITATION_MARKER.search(first.inner_text())
    doi = first.locator('a[href^="https://doi.org/"]').first
    expect(doi).to_be_visible()
    assert doi.get_attribute("target") == "_blank"
    save(page, "screenshot.png")

    ask(page, LONG_ANSWER)
    assert comes_into_view(page, turn(page, 1)), "a long answer should be shown from its start, not its end"
    page.mouse.move(700, 400)
    page.mouse.wheel(0, -20_000)  # the reader scrolls back up to the first answer, then asks again
    page.wait_for_timeout(500)
    assert not in_view(page, turn(page, 1))
    ask(page, "and in rats?")
    assert comes_into_view(page, turn(page, 2)), "an answer to a question asked while scrolled up should come into view"

    assert re.search(r"[?&]c=[\w-]+", page.url)
    page.reload()
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(answers(page)).to_have_count(3, timeout=ANSWER_TIMEOUT_MS)
    expect(turn(page, 2)).to_contain_text("and in rats?")

    if SCREENSHOTS:  # the figure in README: Enter → answer on the page, run ended (recorded, never asserted)
        page.get_by_role("button", name="New conversation").click()
        expect(answers(page)).to_have_count(0)
        seconds += [ask(page, question) for question in TIMED_QUESTIONS]
        timing = {"questions": [SCREENSHOT_QUESTION, *TIMED_QUESTIONS], "seconds": [round(s, 3) for s in seconds],
                  "median_ms": round(statistics.median(seconds) * 1000),
                  "measured": "Enter pressed → answer on the page and the script run ended (headless Chromium, 1280×900)"}
        (Path(SCREENSHOTS) / "browser-timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    page.context.close()


def test_on_a_phone_an_example_tapped_in_the_sidebar_closes_it_to_show_the_answer(server, browser):
    page = open_app(browser, server, PHONE)
    sidebar = page.get_by_test_id("stSidebar")
    page.get_by_test_id("stExpandSidebarButton").tap()
    example = sidebar.get_by_role("button", name="Which animal models used busulfan?")
    expect(example).to_be_in_viewport()
    example.tap()
    expect(answers(page)).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    settled(page)
    expect(example).not_to_be_in_viewport()  # the sidebar closed
    assert comes_into_view(page, turn(page, 0))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider than the phone
    page.context.close()


def test_no_serious_accessibility_violation_on_any_view(server, browser):
    page = open_app(browser, server)
    problems = {"landing": serious_violations(page)}
    ask(page, "How do MSC exosomes help restore spermatogenesis?")
    reply = turn(page, 0)
    for section in ("Full references", "Supporting passages"):
        reply.get_by_text(re.compile(f"^{section}")).click()
        settled(page)
    reply.get_by_test_id("stExpander").nth(2).locator("summary").click()  # one passage opened
    page.wait_for_timeout(500)
    problems["answer, references and passages open"] = serious_violations(page)
    speakers = [message.inner_text() for message in reply.get_by_test_id("stChatMessageContent").all()]
    assert speakers[0].startswith("You asked:") and "Answer" in speakers[1]  # who speaks, as text a screen reader reads
    for view, shown in (("Tables", r"^\d+ of \d+ rows$"), ("References", r"^\d+ of 151 references$")):
        page.get_by_test_id("stRadioGroup").get_by_text(view, exact=True).click()
        expect(page.get_by_text(re.compile(shown))).to_be_visible()
        settled(page)
        problems[view] = serious_violations(page)
    assert not any(problems.values()), json.dumps(problems, indent=2)

    page.get_by_test_id("stTextInput").locator("input").press_sequentially("exosome", delay=40)  # no Enter: filters as one types
    expect(page.get_by_text(re.compile(r"^\d+ of 151 references$"))).not_to_have_text("151 of 151 references")
    expect(page.get_by_test_id("stMain")).to_contain_text("Exosomal")  # a word form of what was typed

    # The check itself can fail: text in Streamlit's default caption grey (3.9:1) is reported.
    page.evaluate("""() => { const p = document.createElement('p'); p.textContent = 'faint caption';
                             p.style.color = 'rgba(49, 51, 63, 0.6)'; p.style.background = '#ffffff';
                             document.querySelector('[data-testid="stMain"]').prepend(p); }""")
    assert any("color-contrast" in line for line in serious_violations(page))
    page.context.close()
