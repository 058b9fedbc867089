"""End to end in a real browser: `streamlit run` + headless Chromium (Debian's) driven by Playwright.

Saves docs/screenshot.png and the median time from pressing Enter to a fully rendered answer
(docs/browser-timing.json). Never skipped: a missing browser is a failure that says how to install it.
"""

from __future__ import annotations

import json
import re
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT_QUESTION = "How were MSCs transplanted into the testes of azoospermic animals?"
TIMED_QUESTIONS = (
    "Which MSC sources were differentiated into male germ cells in vitro?",
    "How do MSC exosomes help restore spermatogenesis?",
    "Which clinical trials treat azoospermia?",
    "Which bone marrow MSC animal models were used?",
    "and in rats?",
)
CITATION_MARKER = re.compile(r"\[\d+(?:[,–-] ?\d+)*\]")
ANSWER_TIMEOUT_MS = 60_000
STARTUP_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(built_index):
    """The app under `streamlit run` on a free local port, serving the session's index."""
    port = free_port()
    env = {**os.environ, "REVIEWQA_INDEX": str(built_index.index_dir), "REVIEWQA_CORPUS": str(built_index.corpus_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
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
            pytest.fail(f"streamlit did not start:\n{process.communicate()[0]}")
        time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=20)


def ask_and_wait(page, question: str, answers_before: int) -> float:
    """Type a question, press Enter; seconds until its answer, passages included, is on the page and the run ended."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    # Each answer ends with its "Answered in … ms" caption; the script run is over when the app says so.
    expect(page.get_by_text("Answered in")).to_have_count(answers_before + 1, timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_selector('[data-test-script-state="notRunning"]', timeout=ANSWER_TIMEOUT_MS)
    return time.perf_counter() - started


def test_ask_in_a_real_browser_check_evidence_and_time_answers(server):
    assert CHROMIUM.exists(), (f"{CHROMIUM} not found: install Debian's Chromium with "
                               "`apt-get install -y chromium chromium-driver` (or run `make test`, which does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(server)
        expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)

        ask_and_wait(page, SCREENSHOT_QUESTION, 0)
        answer = page.get_by_test_id("stChatMessage").last
        answer_text = answer.get_by_test_id("stMarkdownContainer").first.inner_text()
        assert CITATION_MARKER.search(answer_text), f"no citation marker in the answer: {answer_text!r}"
        doi_links = answer.locator('a[href^="https://doi.org/"]')
        expect(doi_links.first).to_be_visible()
        assert doi_links.first.get_attribute("target") == "_blank"
        source = answer.get_by_test_id("stExpander").filter(has_text="tables").first  # a quoted table row
        source.locator("summary").click()
        expect(source.get_by_test_id("stExpanderDetails")).to_be_visible()
        page.wait_for_timeout(800)  # the expander's opening animation
        # Scroll as a reader would (a programmatic scroll is undone by the chat's stick-to-bottom):
        # the question at the top, then the answer, its references and the opened passage.
        question_box = page.get_by_test_id("stChatMessage").first.bounding_box()
        page.mouse.move(700, 500)
        page.mouse.wheel(0, question_box["y"] - 70)
        page.wait_for_timeout(800)
        (ROOT / "docs").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))

        page.get_by_role("button", name="New conversation").click()
        expect(page.get_by_text("Answered in")).to_have_count(0)
        seconds = [ask_and_wait(page, question, asked) for asked, question in enumerate(TIMED_QUESTIONS)]
        browser.close()

    median_ms = round(statistics.median(seconds) * 1000)
    timing = {"questions": list(TIMED_QUESTIONS), "seconds": [round(s, 3) for s in seconds], "median_ms": median_ms,
              "measured": "Enter pressed → answer, references and passages rendered, script run finished (headless Chromium)"}
    (ROOT / "docs" / "browser-timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    print(f"\nbrowser: median {median_ms} ms from Enter to a fully rendered answer over {len(seconds)} questions "
          f"({', '.join(f'{s:.2f}' for s in seconds)} s)")
    assert median_ms < 10_000
