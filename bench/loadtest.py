"""`make loadtest`: 30 concurrent sessions against the Streamlit app, 5 questions each.

Starts `streamlit run app/streamlit_app.py` on 127.0.0.1 (a free port, headless), warms it up with one
session (the model and the index load then), opens 30 sessions, each asking 5 questions in its own
Streamlit session, and reports errors (must be 0), p50/p95 time to answer, and the server's memory
(VmRSS/VmHWM of its process tree, polled) — which must not grow ~30× the one-time model+index load
(the model and index are loaded once).

Two clients:
- default: Streamlit's own websocket protocol (what the browser's JavaScript speaks), one websocket per
  session to ws://127.0.0.1:PORT/_stcore/stream (`websockets`, subprotocol "streamlit"): a BackMsg
  rerun_script opens the page; a question is a rerun whose widget states carry the chat input's
  trigger value; the answer's time is from the send to the run's script_finished. Cheap enough that
  the 30 clients do not compete with the server for the CPU.
- `--browser`: 30 pages in one headless Chromium (Playwright + Debian's /usr/bin/chromium). End to end,
  front end included, but on a small machine the 30 renderers starve the server and time the browsers.

    .venv/bin/python bench/loadtest.py [--browser] [--sessions 30] [--questions-per-session 5] [--questions FILE]

Writes bench/results/loadtest.json; exit 0 when there were no errors and one load, else 1.
Everything stops by itself: bounded timeouts everywhere, and the server is killed on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from reviewqa.evaluate import percentile

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Generic selectors: the app is a chat (st.chat_input + st.chat_message); nothing else is assumed.
CHAT_INPUT = '[data-testid="stChatInputTextArea"], [data-testid="stChatInput"] textarea'
MESSAGE = '[data-testid="stChatMessage"]'
APP_ERROR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
FALLBACK_QUESTIONS = [
    "Which MSC sources were tested in rats?",
    "How does the WHO define an infertile couple?",
    "What scaffold was used to turn menstrual blood stem cells into germ-like cells?",
    "Which MSC study used a lead nitrate model of male infertility?",
    "How many rows in Table 1 use Wharton's jelly MSCs?",
    "What are the main causes of male infertility?",
    "Do stem-like cells in the testis survive chemotherapy?",
]


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def record_warmup(results: dict, warm: dict, before_load: int, poller) -> None:
    """The lone first answer (it pays the model and index load) and the memory before and after it."""
    results["warmup_s"] = warm["latencies"][0]
    results["rss_before_load_kib"] = before_load
    results["rss_after_load_kib"] = poller.sample()
    poller.peak_rss_kib = results["rss_after_load_kib"]  # the peak of the concurrent phase from here


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- server memory


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc/*/stat parent ids)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    result, todo = [], [pid]
    while todo:
        current = todo.pop()
        result.append(current)
        todo.extend(parents.get(current, []))
    return result


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used (from /proc/PID/stat), in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat, counted from the state)
    return total / os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryPoller(threading.Thread):
    """Polls the server's process tree: current and peak summed VmRSS, and the largest VmHWM."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss_kib = 0
        self.hwm_kib = 0
        self.current_kib = 0
        self._halt = threading.Event()

    def sample(self) -> int:
        pids = _tree(self.pid)
        rss = sum(_status_kib(p, "VmRSS") for p in pids)
        self.hwm_kib = max([self.hwm_kib] + [_status_kib(p, "VmHWM") for p in pids])
        self.current_kib = rss
        self.peak_rss_kib = max(self.peak_rss_kib, rss)
        return rss

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._halt.set()


# ---------------------------------------------------------------- server


def start_server(port: int, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "REVIEWQA_INDEX": str((ROOT / "index").resolve()), "REVIEWQA_CORPUS": str((ROOT / "corpus").resolve()),
           "TOKENIZERS_PARALLELISM": "false"}
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py"),
               "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false"]
    handle = log_path.open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(port: int, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the server did not answer {url} within {timeout:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: this kills only what we started
        server.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.wait(timeout=10)


# ---------------------------------------------------------------- sessions


async def ask_one(page, question: str, answer_timeout_ms: float) -> float:
    """Type a question into the chat input; seconds until a new assistant message has text."""
    chat = page.locator(CHAT_INPUT).first
    await chat.wait_for(state="visible", timeout=answer_timeout_ms)
    before = await page.locator(MESSAGE).count()
    await chat.fill(question)
    started = time.perf_counter()
    await chat.press("Enter")
    # The user's message and then the assistant's: two new chat messages, the last one with text.
    await page.wait_for_function(
        """([selector, before]) => {
            const messages = document.querySelectorAll(selector);
            if (messages.length < before + 2) return false;
            const last = messages[messages.length - 1];
            return last.innerText.trim().length > 0;
        }""",
        arg=[MESSAGE, before], timeout=answer_timeout_ms, polling=50)
    elapsed = time.perf_counter() - started
    if await page.locator(APP_ERROR).count():
        raise RuntimeError("the app shows an error: " + (await page.locator(APP_ERROR).first.inner_text())[:200])
    # Let the script run finish before the next question (best effort: the status widget goes away).
    try:
        await page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=10_000, polling=100)
    except Exception:  # noqa: BLE001 - only a courtesy wait
        pass
    return elapsed


async def open_session(browser, url: str, number: int, timeouts: dict, results: dict, gate: asyncio.Semaphore):
    """A new browser context (its own Streamlit session) with the app loaded; None if it would not load."""
    async with gate:  # ramp-up: a few page loads at a time, the way users arrive, not 30 in one instant
        context = await browser.new_context()
        page = await context.new_page()
        page.set_default_timeout(timeouts["answer_ms"])
        try:
            started = time.perf_counter()
            await page.goto(url, wait_until="domcontentloaded", timeout=timeouts["load_ms"])
            # The chat input, or the app's error (e.g. a stale index) — whichever comes first.
            await page.locator(f"{CHAT_INPUT}, {APP_ERROR}").first.wait_for(state="visible", timeout=timeouts["load_ms"])
            if not await page.locator(CHAT_INPUT).count():
                raise RuntimeError("the app shows an error: " + (await page.locator(APP_ERROR).first.inner_text())[:300])
            results["page_loads"].append(time.perf_counter() - started)
            return context, page
        except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the run
            results["errors"].append(f"session {number}: page did not load: {type(error).__name__}: {str(error)[:200]}")
            await context.close()
            return None


async def converse(page, questions: list[str], number: int, timeouts: dict, results: dict) -> None:
    for question in questions:
        try:
            results["latencies"].append(await ask_one(page, question, timeouts["answer_ms"]))
        except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the run
            results["errors"].append(f"session {number}: {question[:40]!r}: {type(error).__name__}: {str(error)[:200]}")


async def session(browser, url: str, questions: list[str], number: int, timeouts: dict, results: dict) -> None:
    opened = await open_session(browser, url, number, timeouts, results, asyncio.Semaphore(1))
    if opened:
        context, page = opened
        try:
            await converse(page, questions, number, timeouts, results)
        finally:
            await context.close()


async def drive(url: str, sessions: int, questions: list[str], per_session: int, timeouts: dict,
                poller: MemoryPoller) -> dict:
    from playwright.async_api import async_playwright

    results: dict = {"latencies": [], "errors": [], "page_loads": []}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            log("warm-up session (the app loads the model and the index once)")
            before_load = poller.sample()
            warm = {"latencies": [], "errors": [], "page_loads": []}
            await session(browser, url, questions[:1], 0, timeouts, warm)
            if warm["errors"]:
                raise RuntimeError(f"warm-up failed: {warm['errors'][0]}")
            record_warmup(results, warm, before_load, poller)
            log(f"opening {sessions} sessions ({timeouts['ramp']} page loads at a time)")
            gate = asyncio.Semaphore(timeouts["ramp"])
            opened = await asyncio.gather(*(open_session(browser, url, s + 1, timeouts, results, gate) for s in range(sessions)))
            live = [(s + 1, o) for s, o in enumerate(opened) if o]
            log(f"{len(live)} sessions open; each now asks {per_session} questions, all at once")
            started = time.perf_counter()
            plans = {n: [questions[(n + i) % len(questions)] for i in range(per_session)] for n, _ in live}
            try:
                await asyncio.wait_for(
                    asyncio.gather(*(converse(page, plans[n], n, timeouts, results) for n, (_, page) in live)),
                    timeout=timeouts["total_s"])
            except asyncio.TimeoutError:
                results["errors"].append(f"the sessions did not finish within {timeouts['total_s']:.0f} s")
            results["wall_s"] = time.perf_counter() - started
            for _, (context, _) in live:
                await context.close()
        finally:
            await browser.close()
    return results


# ---------------------------------------------------------------- sessions over Streamlit's websocket protocol


class ProtocolSession:
    """One Streamlit session spoken to the way the browser's front end does, over one websocket.

    BackMsg.rerun_script (a ClientState with the session's widget states) asks for a script run; the
    server answers with ForwardMsgs — new_session when the run starts, deltas (new elements and blocks,
    each with its metadata.delta_path), script_finished when it ends. Widget values are kept across
    runs as the front end keeps them (a widget's value as first shown; triggers such as the chat input
    are sent for one run only). No cached-message hashes are offered, so the server never answers with
    ref_hash references and every element arrives in full.
    """

    def __init__(self, url: str, number: int):
        self.url, self.number = url, number
        self.ws = None
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.reader: asyncio.Task | None = None
        self.widget_states: dict[str, object] = {}  # widget id -> WidgetState, as the front end would send them
        self.chat_input_id: str | None = None
        self.answers = 0  # assistant chat messages the last run showed

    async def open(self, timeout: float) -> None:
        from websockets.asyncio.client import connect

        # No proxy (127.0.0.1 only), no client pings (a browser sends none; the server pings us and the
        # library answers), no size limit (a run's deltas can be large).
        self.ws = await connect(self.url, subprotocols=["streamlit"], proxy=None, open_timeout=timeout,
                                ping_interval=None, max_size=None, close_timeout=5, compression=None)
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            async for frame in self.ws:
                message = ForwardMsg()
                message.ParseFromString(frame)
                await self.inbox.put(message)
        except Exception as error:  # noqa: BLE001 - handed to whoever waits for a run
            await self.inbox.put(error)
            return
        await self.inbox.put(ConnectionError("the server closed the websocket"))

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), timeout=10)
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        if self.reader is not None:
            self.reader.cancel()
            try:
                await self.reader
            except BaseException:  # noqa: BLE001 - the task was cancelled
                pass

    def _remember_widget(self, element) -> None:
        """The value the front end would hold for a widget it has just drawn (simple widgets only)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        kind = element.WhichOneof("type")
        proto = getattr(element, kind)
        widget_id = getattr(proto, "id", "")
        if kind == "chat_input":
            self.chat_input_id = proto.id
            return
        if not widget_id or (widget_id in self.widget_states and not getattr(proto, "set_value", False)):
            return
        state = WidgetState(id=widget_id)
        if kind == "radio" and (proto.HasField("raw_value") or proto.HasField("default")):
            state.string_value = proto.raw_value if proto.HasField("raw_value") else proto.options[proto.default]
        elif kind == "slider":
            state.double_array_value.data.extend(proto.value if proto.set_value else proto.default)
        elif kind == "multiselect":
            state.string_array_value.data.extend(proto.raw_values if proto.set_value else [proto.options[i] for i in proto.default])
        else:  # buttons are triggers (never resent); other widgets keep their server-side defaults
            return
        self.widget_states[widget_id] = state

    async def run(self, timeout: float, trigger=None) -> dict:
        """One script run with the current widget states (plus a one-run trigger); what it showed."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ClientState_pb2 import ClientState
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        states = list(self.widget_states.values()) + ([trigger] if trigger is not None else [])
        back = BackMsg(rerun_script=ClientState(query_string="", page_script_hash=""))
        back.rerun_script.widget_states.widgets.extend(states)
        run = {"elements": {}, "assistant_blocks": [], "expanders": 0, "errors": [], "first_text_s": None}
        started = time.perf_counter()
        await self.ws.send(back.SerializeToString())
        deadline = started + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no script_finished within {timeout:.0f} s")
            message = await asyncio.wait_for(self.inbox.get(), timeout=remaining)
            if isinstance(message, Exception):
                raise message
            kind = message.WhichOneof("type")
            if kind == "new_session":  # a run starts: anything before it belonged to an earlier one
                run.update(elements={}, assistant_blocks=[], expanders=0, errors=[], first_text_s=None)
            elif kind == "delta":
                self._take_delta(message, run, started)
            elif kind == "script_finished":
                run["status"] = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                run["seconds"] = time.perf_counter() - started
                if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"the run ended with {run['status']}")
                return run
            elif kind == "ref_hash":  # only sent for hashes a client offers; kept as a received element
                run["elements"][tuple(message.metadata.delta_path)] = ("ref_hash", message.ref_hash)

    def _take_delta(self, message, run: dict, started: float) -> None:
        path = tuple(message.metadata.delta_path)
        delta = message.delta
        kind = delta.WhichOneof("type")
        # Whatever is drawn at a path replaces what was there, with everything inside it (st.empty placeholders): an
        # assistant message shown while an answer was on its way, then replaced, is not an answer.
        run["assistant_blocks"] = [block for block in run["assistant_blocks"] if block[:len(path)] != path]
        if kind == "add_block":
            block = delta.add_block
            if block.WhichOneof("type") == "chat_message" and block.chat_message.name == "assistant":
                run["assistant_blocks"].append(path)
            elif block.WhichOneof("type") == "expandable":
                run["expanders"] += 1
        elif kind == "new_element":
            element = delta.new_element
            element_type = element.WhichOneof("type")
            if element_type == "exception":
                run["errors"].append(f"exception: {element.exception.type}: {element.exception.message[:200]}")
            elif element_type == "alert" and element.alert.format == element.alert.ERROR:
                run["errors"].append(f"error: {element.alert.body[:200]}")
            elif element_type == "markdown":
                run["elements"][path] = ("markdown", element.markdown.body)  # a stream rewrites one path
                new_answer = len(run["assistant_blocks"]) > self.answers
                if new_answer and run["first_text_s"] is None and path[:len(run["assistant_blocks"][-1])] == run["assistant_blocks"][-1]:
                    run["first_text_s"] = time.perf_counter() - started
            else:
                run["elements"][path] = (element_type, "")
            if element_type and hasattr(getattr(element, element_type), "id"):
                self._remember_widget(element)

    def answer_text(self, run: dict) -> str:
        """The markdown shown under the newest assistant chat message of a run."""
        if not run["assistant_blocks"]:
            return ""
        block = run["assistant_blocks"][-1]
        return "\n".join(body for path, (kind, body) in sorted(run["elements"].items())
                         if kind == "markdown" and path[:len(block)] == block and path != block)

    async def start(self, timeout: float) -> float:
        """Connect and run the script once, as a page load does; seconds until the chat input is there."""
        started = time.perf_counter()
        await self.open(timeout)
        run = await self.run(timeout)
        if run["errors"]:
            raise RuntimeError("the app shows an error: " + run["errors"][0])
        if self.chat_input_id is None:
            raise RuntimeError("the first run drew no chat input")
        self.answers = len(run["assistant_blocks"])
        return time.perf_counter() - started

    async def ask(self, question: str, timeout: float) -> dict:
        """Submit a question through the chat input; the answer run, checked to hold a new answer."""
        from streamlit.proto.Common_pb2 import ChatInputValue
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        trigger = WidgetState(id=self.chat_input_id, chat_input_value=ChatInputValue(data=question))
        run = await self.run(timeout, trigger)
        if run["errors"]:
            raise RuntimeError("the app shows an error: " + run["errors"][0])
        if len(run["assistant_blocks"]) != self.answers + 1:
            raise RuntimeError(f"expected {self.answers + 1} assistant messages after the run, got {len(run['assistant_blocks'])}")
        run["answer"] = self.answer_text(run)
        if not run["answer"].strip():
            raise RuntimeError("the new assistant message has no text")
        self.answers += 1
        return run


async def protocol_session(url: str, number: int, timeouts: dict, results: dict, gate: asyncio.Semaphore):
    """An open ProtocolSession (its first run done), or None with the failure counted."""
    async with gate:  # ramp-up: a few sessions open at a time, the way users arrive
        client = ProtocolSession(url, number)
        try:
            results["page_loads"].append(await client.start(timeouts["load_ms"] / 1000))
            return client
        except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the run
            results["errors"].append(f"session {number}: did not open: {type(error).__name__}: {str(error)[:200]}")
            await client.close()
            return None


async def protocol_converse(client: ProtocolSession, questions: list[str], timeouts: dict, results: dict) -> None:
    for question in questions:
        try:
            run = await client.ask(question, timeouts["answer_ms"] / 1000)
            results["latencies"].append(run["seconds"])
            if run["first_text_s"] is not None:
                results["first_text"].append(run["first_text_s"])
            results.setdefault("runs", []).append(run)
        except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the run
            results["errors"].append(f"session {client.number}: {question[:40]!r}: {type(error).__name__}: {str(error)[:200]}")


def describe_run(run: dict) -> str:
    kinds: dict[str, int] = {}
    for kind, _ in run["elements"].values():
        kinds[kind] = kinds.get(kind, 0) + 1
    answer = " ".join(run.get("answer", "").split())
    return (f"{run['status']} in {run['seconds']:.2f} s (first answer text at {run['first_text_s'] or float('nan'):.2f} s); "
            f"{len(run['assistant_blocks'])} assistant message(s), {run['expanders']} expander(s), elements {kinds}; "
            f"answer: {answer[:300]!r}")


async def drive_protocol(url: str, sessions: int, questions: list[str], per_session: int, timeouts: dict,
                         poller: MemoryPoller) -> dict:
    results: dict = {"latencies": [], "errors": [], "page_loads": [], "first_text": []}
    log("warm-up session (the app loads the model and the index once)")
    before_load = poller.sample()
    warm = {"latencies": [], "errors": [], "page_loads": [], "first_text": []}
    client = await protocol_session(url, 0, timeouts, warm, asyncio.Semaphore(1))
    if client:
        try:
            await protocol_converse(client, questions[:1], timeouts, warm)
        finally:
            await client.close()
    if warm["errors"] or not warm["latencies"]:
        raise RuntimeError(f"warm-up failed: {(warm['errors'] or ['no answer'])[0]}")
    log("warm-up answer run: " + describe_run(warm["runs"][0]))
    record_warmup(results, warm, before_load, poller)
    log(f"opening {sessions} websocket sessions ({timeouts['ramp']} at a time)")
    gate = asyncio.Semaphore(timeouts["ramp"])
    opened = await asyncio.gather(*(protocol_session(url, s + 1, timeouts, results, gate) for s in range(sessions)))
    live = [client for client in opened if client]
    log(f"{len(live)} sessions open; each now asks {per_session} questions, all at once")
    started = time.perf_counter()
    cpu_before = (cpu_seconds(_tree(poller.pid)), time.process_time())
    plans = {c.number: [questions[(c.number + i) % len(questions)] for i in range(per_session)] for c in live}
    try:
        await asyncio.wait_for(asyncio.gather(*(protocol_converse(c, plans[c.number], timeouts, results) for c in live)),
                               timeout=timeouts["total_s"])
    except asyncio.TimeoutError:
        results["errors"].append(f"the sessions did not finish within {timeouts['total_s']:.0f} s")
    results["wall_s"] = time.perf_counter() - started
    results["server_cpu_s"] = cpu_seconds(_tree(poller.pid)) - cpu_before[0]
    results["client_cpu_s"] = time.process_time() - cpu_before[1]
    await asyncio.gather(*(c.close() for c in live))
    results.pop("runs", None)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true",
                        help="drive headless Chromium pages (Playwright) instead of Streamlit's websocket protocol")
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--questions-per-session", type=int, default=5)
    parser.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl",
                        help="question set (JSON lines with 'question'); a built-in list if missing")
    parser.add_argument("--ramp", type=int, default=3, help="page loads (sessions' first runs) in flight at once while the sessions open")
    parser.add_argument("--load-timeout", type=float, default=120, help="seconds one page/session may take to show the chat input")
    parser.add_argument("--answer-timeout", type=float, default=120, help="seconds one answer may take")
    parser.add_argument("--total-timeout", type=float, default=480, help="seconds all sessions together may take")
    parser.add_argument("--output", type=Path, default=RESULTS / "loadtest.json")
    args = parser.parse_args(argv)

    if args.browser and not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium (or `make browser`)", file=sys.stderr)
        return 1
    questions = FALLBACK_QUESTIONS
    if args.questions.is_file():
        questions = [json.loads(line)["question"] for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    load_at_start = os.getloadavg()[0]  # other work on the machine inflates every figure
    log_path = RESULTS / "loadtest-server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log(f"starting the app on {url} (log: {log_path})")
    server = start_server(port, log_path)
    poller = MemoryPoller(server.pid)
    client = "browser" if args.browser else "websocket"
    report: dict = {"client": client, "sessions": args.sessions, "questions_per_session": args.questions_per_session, "url": url}
    try:
        wait_healthy(port, server, timeout=120)
        poller.sample()
        poller.start()
        timeouts = {"load_ms": args.load_timeout * 1000, "answer_ms": args.answer_timeout * 1000, "total_s": args.total_timeout,
                    "ramp": args.ramp}
        try:
            if args.browser:
                results = asyncio.run(drive(url, args.sessions, questions, args.questions_per_session, timeouts, poller))
            else:
                ws_url = f"ws://127.0.0.1:{port}/_stcore/stream"
                results = asyncio.run(drive_protocol(ws_url, args.sessions, questions, args.questions_per_session, timeouts, poller))
        except RuntimeError as error:
            results = {"latencies": [], "errors": [str(error)], "page_loads": []}
        poller.sample()
    finally:
        poller.stop()
        stop_server(server)

    latencies = results["latencies"]
    expected = args.sessions * args.questions_per_session
    errors = results["errors"] + ([f"{expected - len(latencies)} answers missing"] if len(latencies) < expected and not results["errors"] else [])
    server_log = log_path.read_text(encoding="utf-8", errors="replace")
    loads_in_log = len(re.findall(r"Loading weights:\s*100%", server_log))
    load_kib = max(results.get("rss_after_load_kib", 0) - results.get("rss_before_load_kib", 0), 1)
    growth_kib = poller.peak_rss_kib - results.get("rss_after_load_kib", poller.peak_rss_kib)
    # 30 loads would add ~29 more copies of the load; allow a few copies' worth for sessions and buffers.
    measured = "rss_after_load_kib" in results and bool(latencies)
    one_load = measured and growth_kib < 3 * load_kib and loads_in_log <= 1
    report.update({
        "answers": len(latencies),
        "errors": len(errors),
        "error_messages": errors[:20],
        "answer_s": {"p50": round(percentile(latencies, 0.5), 3), "p95": round(percentile(latencies, 0.95), 3),
                     "mean": round(statistics.fmean(latencies), 3) if latencies else None},
        # websocket client: the answer's time is send → script_finished (the whole run: the streamed answer,
        # references and evidence); this is send → the first text of the new assistant message.
        "first_answer_text_s": {"p50": round(percentile(results.get("first_text", []), 0.5), 3),
                                "p95": round(percentile(results.get("first_text", []), 0.95), 3)} if not args.browser else None,
        "page_load_s": {"p50": round(percentile(results["page_loads"], 0.5), 3),
                        "max": round(max(results["page_loads"], default=float("nan")), 3)},
        "warmup_answer_s": round(results.get("warmup_s", float("nan")), 3),
        "wall_s": round(results.get("wall_s", float("nan")), 1),
        # CPU the server and this client used while the sessions asked: what the answers cost, whatever else ran.
        "server_cpu_s": round(results.get("server_cpu_s", float("nan")), 1),
        "client_cpu_s": round(results.get("client_cpu_s", float("nan")), 1),
        "load_avg_at_start": round(load_at_start, 2),
        "server_memory_mib": {
            "before_model_load": round(results.get("rss_before_load_kib", 0) / 1024, 1),
            "after_model_load": round(results.get("rss_after_load_kib", 0) / 1024, 1),
            "peak_during_sessions": round(poller.peak_rss_kib / 1024, 1),
            "vm_hwm": round(poller.hwm_kib / 1024, 1),
            "growth_during_sessions": round(growth_kib / 1024, 1),
            "one_load_size": round(load_kib / 1024, 1),
        },
        "model_loads_in_log": loads_in_log,
        "loaded_once": one_load if measured else None,
    })
    args.output.write_text(json.dumps(report, indent=2), encoding="utf-8")
    memory = report["server_memory_mib"]
    print(f"{'client':<34}" + ("headless Chromium pages (Playwright)" if args.browser else "Streamlit websocket protocol (/_stcore/stream)"))
    print(f"{'sessions × questions':<34}{args.sessions} × {args.questions_per_session} = {expected} ({report['answers']} answered)")
    print(f"{'errors (must be 0)':<34}{report['errors']}")
    print(f"{'time to answer p50 / p95':<34}{report['answer_s']['p50']:.2f} s / {report['answer_s']['p95']:.2f} s"
          f"   (first answer of a lone session: {report['warmup_answer_s']:.2f} s)")
    if report["first_answer_text_s"]:
        print(f"{'  first answer text p50 / p95':<34}{report['first_answer_text_s']['p50']:.2f} s / {report['first_answer_text_s']['p95']:.2f} s"
              "   (the above is send → script_finished)")
    print(f"{'page load to chat input p50 / max' if args.browser else 'session open p50 / max':<34}{report['page_load_s']['p50']:.2f} s / {report['page_load_s']['max']:.2f} s")
    print(f"{'server RSS: idle → loaded → peak':<34}{memory['before_model_load']:.0f} → {memory['after_model_load']:.0f} → "
          f"{memory['peak_during_sessions']:.0f} MiB (VmHWM {memory['vm_hwm']:.0f} MiB)")
    print(f"{'model+index loaded once':<34}{'yes' if one_load else ('NO' if measured else 'not measured')} (growth under load {memory['growth_during_sessions']:.0f} MiB "
          f"vs one load {memory['one_load_size']:.0f} MiB; 'Loading weights' in log: {loads_in_log})")
    print(f"{'all sessions, wall clock':<34}{report['wall_s']:.1f} s   (results: {args.output})")
    if not args.browser:
        print(f"{'CPU: server / this client':<34}{report['server_cpu_s']:.1f} s / {report['client_cpu_s']:.1f} s"
              f"   (load average {load_at_start:.1f} at the start, on {os.cpu_count()} cores)")
    for message in errors[:5]:
        print(f"  error: {message}")
    return 0 if not errors and one_load else 1


if __name__ == "__main__":
    sys.exit(main())
