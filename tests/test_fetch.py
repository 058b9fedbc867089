"""fetch_abstracts against a local server on 127.0.0.1 that answers like NCBI E-utilities.

It serves the recorded EFetch records of tests/fixtures/abstracts/efetch/ and the real
NCBI Bookshelf record (PubmedBookArticle) from ../shared/realworld-bib, read in place.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from abstracts_support import EFETCH_FIXTURES, realworld

from reviewqa.abstracts import link_abstracts, load_abstracts
from reviewqa.build import fetch_missing_abstracts
from reviewqa.config import FetchSettings, load_settings
from reviewqa.errors import FetchFailed
from reviewqa.fetch import EMAIL_WARNING, NcbiUnreachable, fetch_abstracts, manifest_pmids, read_manifest, search_terms

REVIEW = Path(__file__).resolve().parents[1] / "corpus" / "review" / "zhankina-2021-msc-azoospermia-review.txt"
NUMBERS = (26, 121, 126, 132, 140)  # references with an EFetch fixture (PMID 90000000 + number)
BOOK_REFERENCE, BOOK_PMID = 8, "21413195"  # reference 8 is answered with the real Bookshelf record
RATE_LIMIT_MAX_S = 1 / 3
_RECORD_RE = re.compile(rb"<(PubmedArticle|PubmedBookArticle)>.*?</\1>", re.DOTALL)
_PMID_RE = re.compile(rb"<PMID[^>]*>(\d+)</PMID>")


@pytest.fixture(scope="module")
def references(review):
    return [review.reference(number) for number in NUMBERS]


@pytest.fixture(scope="module")
def book_reference(review):
    return review.reference(BOOK_REFERENCE)


def recorded_records() -> dict[str, bytes]:
    """PubMed ID → the <PubmedArticle> or <PubmedBookArticle> element as recorded."""
    sources = [path.read_bytes() for path in sorted(EFETCH_FIXTURES.glob("*.xml"))]
    sources.append(realworld("pubmed-xml/jabref_MedlineImporterTestPubmedBook.xml").read_bytes())
    records = {}
    for source in sources:
        for match in _RECORD_RE.finditer(source):
            records[_PMID_RE.search(match.group()).group(1).decode()] = match.group()
    return records


class FakeEutils(ThreadingHTTPServer):
    """esearch.fcgi (JSON) and efetch.fcgi (XML of up to 200 comma-separated IDs), with scripted failures."""

    def __init__(self, answers: dict[str, list[str]]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers = answers  # ESearch term → PubMed IDs
        self.records = recorded_records()
        self.failures: dict[str, list[int]] = {}  # term or id list → HTTP statuses to answer first
        self.requests: list[tuple[str, dict[str, str]]] = []  # (endpoint, query parameters)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/entrez/eutils/"

    def requested_keys(self) -> list[str]:
        return [params.get("term") or params["id"] for _, params in self.requests]

    def fetched_ids(self) -> list[str]:
        return [params["id"] for endpoint, params in self.requests if endpoint == "efetch.fcgi"]


class _Handler(BaseHTTPRequestHandler):
    server: FakeEutils

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        endpoint = url.path.rsplit("/", 1)[-1]
        params = dict(urllib.parse.parse_qsl(url.query))
        self.server.requests.append((endpoint, params))
        key = params.get("term") or params.get("id", "")
        scripted = self.server.failures.get(key)
        if scripted:
            status = scripted.pop(0)
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "7")
            self.end_headers()
            return
        if endpoint == "esearch.fcgi":
            ids = self.server.answers.get(key, [])
            self._reply(200, json.dumps({"esearchresult": {"count": str(len(ids)), "idlist": ids}}).encode())
        elif endpoint == "efetch.fcgi" and params.get("db") == "pubmed":
            found = b"".join(self.server.records.get(pmid, b"") for pmid in key.split(","))  # unknown IDs are left out, as NCBI does
            self._reply(200, b'<?xml version="1.0" ?>\n<PubmedArticleSet>\n' + found + b"\n</PubmedArticleSet>\n")
        else:
            self._reply(400, b"bad request")

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture(autouse=True)
def no_proxy_no_key(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)


@pytest.fixture
def eutils(references, book_reference):
    # The first search term of each reference (DOI, or title for refs 121 and 8) finds its PMID.
    answers = {search_terms(ref)[0]: [str(90000000 + ref.number)] for ref in references}
    answers[search_terms(book_reference)[0]] = [BOOK_PMID]
    server = FakeEutils(answers)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class Sleeps(list):
    """A fake time.sleep that records the delays asked for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    def backoffs(self) -> list[float]:
        return [s for s in self if s > RATE_LIMIT_MAX_S]


def settings_for(server: FakeEutils, **changes) -> FetchSettings:
    return FetchSettings(**{"base_url": server.url, "email": "maintainer@example.org", "retries": 5, "timeout_s": 5, **changes})


def run(references, cache: Path, settings: FetchSettings, sleeps: Sleeps | None = None):
    return fetch_abstracts(references, cache, settings, progress=False, sleep=sleeps if sleeps is not None else Sleeps())


def unused_port_url() -> str:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


def test_fetches_every_reference_in_one_efetch_and_links_the_cache(references, eutils, tmp_path):
    cache = tmp_path / "abstracts" / "pubmed-cache"
    sleeps = Sleeps()
    report = run(references, cache, settings_for(eutils), sleeps)

    assert report.fetched == list(NUMBERS)
    assert report.cached == report.not_found == report.failed == report.kept == report.notes == []
    assert sorted(p.name for p in cache.glob("ref-*.xml")) == sorted(f"ref-{n}.xml" for n in NUMBERS)
    assert manifest_pmids(cache) == {n: str(90000000 + n) for n in NUMBERS}
    # DOI searches in the documented Article Identifier field, except ref 121 (no DOI): title, first author and year.
    terms = [params["term"] for endpoint, params in eutils.requests if endpoint == "esearch.fcgi"]
    assert terms[0] == '"10.1038/nature04957"[AID]'
    assert terms[1].startswith("Spermatogenesis after transplantation of adipose tissue-derived")
    assert terms[1].endswith("[ti] AND Karimaghani[1au] AND 2018[dp]")
    assert eutils.fetched_ids() == [",".join(str(90000000 + n) for n in NUMBERS)]  # one batched EFetch, not one per PMID
    endpoint, params = eutils.requests[-1]
    assert (endpoint, params["db"], params["retmode"]) == ("efetch.fcgi", "pubmed", "xml")
    assert (params["tool"], params["email"]) == ("reviewqa", "maintainer@example.org")
    assert "api_key" not in params
    assert sleeps and max(sleeps) <= RATE_LIMIT_MAX_S  # 3 requests/s without an API key

    loaded = load_abstracts(tmp_path / "abstracts")
    assert loaded.skipped_files == loaded.skipped_entries == []
    links = link_abstracts(loaded.records, references, pmids=manifest_pmids(cache)).links
    assert {link.reference: link.reason for link in links} == {26: "doi", 121: "pmid", 126: "doi", 132: "doi", 140: "doi"}


def test_efetch_batches_hold_at_most_batch_size_ids(references, eutils, tmp_path):
    report = run(references, tmp_path, settings_for(eutils, batch_size=2))
    assert report.fetched == list(NUMBERS)
    assert eutils.fetched_ids() == ["90000026,90000121", "90000126,90000132", "90000140"]


def test_bookshelf_record_is_stored_once_and_never_fetched_again(book_reference, eutils, tmp_path):
    first = run([book_reference], tmp_path, settings_for(eutils))
    assert first.fetched == [BOOK_REFERENCE] and first.failed == []
    assert read_manifest(tmp_path)[BOOK_REFERENCE]["kind"] == "book"
    (record,) = load_abstracts(tmp_path).records
    assert (record.pmid, record.text) == (BOOK_PMID, "just a dummy.")
    assert record.title == "Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults"

    eutils.requests.clear()
    for _ in range(2):
        assert run([book_reference], tmp_path, settings_for(eutils)).cached == [BOOK_REFERENCE]
    assert eutils.requests == []


def test_second_run_requests_nothing(references, eutils, tmp_path):
    run(references, tmp_path, settings_for(eutils))
    eutils.requests.clear()
    report = run(references, tmp_path, settings_for(eutils))
    assert report.cached == list(NUMBERS) and report.fetched == []
    assert eutils.requests == []


def test_backs_off_on_429_and_5xx(references, eutils, tmp_path):
    hsiao_term = search_terms(references[2])[0]
    eutils.failures[hsiao_term] = [429, 503, 502]
    sleeps = Sleeps()
    report = run(references, tmp_path, settings_for(eutils), sleeps)
    assert 126 in report.fetched and report.failed == []
    assert sleeps.backoffs() == [7.0, 2.0, 4.0]  # Retry-After, then exponential back-off
    assert eutils.requested_keys().count(hsiao_term) == 4


def test_resume_requests_only_what_failed(references, eutils, tmp_path):
    sherif_term = search_terms(references[3])[0]
    eutils.failures[sherif_term] = [500] * 10
    sleeps = Sleeps()
    first = run(references, tmp_path, settings_for(eutils, retries=2), sleeps)
    assert first.fetched == [26, 121, 126, 140]
    assert first.failed == [(132, "HTTP 500 from esearch.fcgi")]
    assert sleeps.backoffs() == [1.0, 2.0]
    assert not (tmp_path / "ref-132.xml").exists()

    eutils.failures.clear()
    eutils.requests.clear()
    second = run(references, tmp_path, settings_for(eutils))
    assert (second.fetched, second.cached) == ([132], [26, 121, 126, 140])
    assert eutils.requested_keys() == [sherif_term, "90000132"]


def test_ids_found_before_an_interrupted_efetch_are_fetched_without_searching(references, eutils, tmp_path):
    ids = ",".join(str(90000000 + n) for n in NUMBERS)
    eutils.failures[ids] = [500]
    first = run(references, tmp_path, settings_for(eutils, retries=0))
    assert [number for number, _ in first.failed] == list(NUMBERS)
    assert {entry["status"] for entry in read_manifest(tmp_path).values()} == {"found"}

    eutils.requests.clear()
    second = run(references, tmp_path, settings_for(eutils))
    assert second.fetched == list(NUMBERS)
    assert eutils.requested_keys() == [ids]  # no ESearch again


def test_not_found_and_ambiguous_are_recorded_and_not_asked_again(references, eutils, tmp_path):
    scadden, karimaghani = references[0], references[1]
    eutils.answers[search_terms(scadden)[0]] = []  # DOI unknown to PubMed: the title is tried next
    eutils.answers[search_terms(karimaghani)[0]] = ["1", "2"]
    report = run(references[:2], tmp_path, settings_for(eutils))
    assert report.not_found == [26, 121]
    assert eutils.requested_keys() == search_terms(scadden) + search_terms(karimaghani)[:1]
    eutils.requests.clear()
    assert run(references[:2], tmp_path, settings_for(eutils)).not_found == [26, 121]
    assert eutils.requests == []


def test_id_that_efetch_does_not_return_is_not_asked_for_in_a_loop(references, eutils, tmp_path):
    eutils.answers[search_terms(references[0])[0]] = ["99999999"]  # PubMed knows no such record
    report = run(references[:1], tmp_path, settings_for(eutils))
    assert report.not_found == [26] and read_manifest(tmp_path)[26]["reason"] == "EFetch returned no record for PMID 99999999"
    eutils.requests.clear()
    assert run(references[:1], tmp_path, settings_for(eutils)).not_found == [26] and eutils.requests == []


def test_maintainer_files_are_never_replaced(references, eutils, tmp_path):
    own = tmp_path / "ref-126.xml"
    own.write_text("<PubmedArticleSet><!-- the maintainer's own record --></PubmedArticleSet>")
    report = run(references, tmp_path, settings_for(eutils))
    assert report.kept == [126]
    assert "maintainer" in own.read_text()
    assert "90000126" not in ",".join(eutils.requested_keys()) and search_terms(references[2])[0] not in eutils.requested_keys()
    assert 126 not in manifest_pmids(tmp_path)


def test_refuses_a_manifest_it_did_not_write(references, eutils, tmp_path):
    (tmp_path / "fetch-manifest.json").write_text('{"mine": true}')
    with pytest.raises(FetchFailed, match="not a reviewqa fetch manifest"):
        run(references, tmp_path, settings_for(eutils))
    assert eutils.requests == []


def test_api_key_from_the_environment_raises_the_rate(references, eutils, tmp_path, monkeypatch):
    monkeypatch.setenv("NCBI_API_KEY", "k123")
    sleeps = Sleeps()
    run(references[:2], tmp_path, settings_for(eutils), sleeps)
    assert all(params["api_key"] == "k123" for _, params in eutils.requests)
    assert sleeps and max(sleeps) <= 0.1


def test_missing_email_is_one_warning(references, eutils, tmp_path):
    report = run(references[:1], tmp_path, settings_for(eutils, email=""))
    assert report.notes == [EMAIL_WARNING] and "\n" not in EMAIL_WARNING
    assert all("email" not in params for _, params in eutils.requests)
    assert run(references[:1], tmp_path, settings_for(eutils, email="")).notes == []  # nothing left to ask NCBI


def test_fails_fast_without_a_network(references, tmp_path):
    url = unused_port_url()
    sleeps = Sleeps()
    started = time.monotonic()
    with pytest.raises(NcbiUnreachable) as error:
        fetch_abstracts(references, tmp_path, FetchSettings(base_url=url, retries=5), progress=False, sleep=sleeps)
    assert time.monotonic() - started < 5
    message = str(error.value)
    assert message.startswith(f"Cannot reach NCBI E-utilities at {url}: ")
    assert message.endswith("you can also drop PubMed/RIS/BibTeX/PDF files into corpus/abstracts/.")
    assert "\n" not in message and sleeps == []


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "corpus" / "review").mkdir(parents=True)
    shutil.copy(REVIEW, tmp_path / "corpus" / "review" / REVIEW.name)
    return tmp_path / "corpus"


def test_build_fetch_step_offline_says_so_in_one_line(corpus):
    settings = load_settings({("corpus_dir",): corpus, ("fetch", "base_url"): unused_port_url(), ("fetch", "email"): "a@b.c"}, environ={})
    line = fetch_missing_abstracts(settings, progress=False)
    assert line.startswith("Offline: NCBI E-utilities cannot be reached (") and "\n" not in line
    assert line.endswith(f"building from the review and what is in {corpus / 'abstracts'}/.")


def test_build_fetch_step_can_be_turned_off(corpus, eutils):
    settings = load_settings({("corpus_dir",): corpus, ("fetch", "base_url"): eutils.url}, environ={"REVIEWQA_FETCH__ENABLED": "false"})
    assert fetch_missing_abstracts(settings, progress=False).startswith("Fetching abstracts is turned off (fetch.enabled)")
    assert eutils.requests == []


def test_build_fetch_step_fills_the_cache(corpus, eutils, monkeypatch):
    monkeypatch.setattr("reviewqa.build.fetch_abstracts", functools.partial(fetch_abstracts, sleep=Sleeps()))  # no real waits
    settings = load_settings({("corpus_dir",): corpus, ("fetch", "base_url"): eutils.url, ("fetch", "email"): "a@b.c"}, environ={})
    line = fetch_missing_abstracts(settings, progress=False)
    assert line.startswith("PubMed: 6 fetched, 0 already cached, 145 not found on PubMed, 0 failed")
    assert len(list((corpus / "abstracts" / "pubmed-cache").glob("ref-*.xml"))) == 6
