"""`reviewqa fetch-abstracts` (and `reviewqa build --fetch`): look the review's references up on PubMed and cache the records.

For each numbered reference: ESearch by DOI in the Article Identifier field
(`"<doi>"[AID]`), else by title, first author and year. Then EFetch the PubMed XML in
batches of up to 200 PubMed IDs per request, as NCBI's E-utilities documentation asks,
and store each record as corpus/abstracts/pubmed-cache/ref-<n>.xml, which
`reviewqa.abstracts.load_abstracts` reads like any other PubMed XML file (NCBI Bookshelf
records, PubmedBookArticle, included). A manifest (fetch-manifest.json) records what
each reference gave, so a second run resumes where the first stopped (a PubMed ID found
but not fetched yet is fetched without searching again), and so the fetcher knows which
files there are its own: it never replaces a file it did not write.

Only the standard library talks HTTP. NCBI asks for at most 3 requests/s (10 with an
API key) and for the tool and email parameters; all are honoured here.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.error import HTTPError, URLError

from tqdm import tqdm

from .abstracts import FETCH_MANIFEST_NAME, AbstractFormatError
from .abstracts.pubmed_xml import parse_xml_root
from .config import FetchSettings
from .errors import FetchFailed
from .records import Reference

API_KEY_ENV = "NCBI_API_KEY"
NO_NETWORK_HINT = (
    "fetch-abstracts needs a network connection; you can also drop PubMed/RIS/BibTeX/PDF files into corpus/abstracts/."
)
EMAIL_WARNING = (
    "warning: no contact e-mail is set for NCBI (--fetch-email or REVIEWQA_FETCH__EMAIL); NCBI's usage policy asks for one."
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_BASE_S = 1.0
MAX_DELAY_S = 300.0  # longest wait honoured, for back-off and Retry-After alike
_MANIFEST_TOOL = "reviewqa fetch-abstracts"
_NETWORK_ERRORS = (URLError, TimeoutError, ConnectionError, http.client.HTTPException)

# A reference's state in the manifest: record saved; PubMed ID known, record not saved yet; no single match; error.
FETCHED, FOUND, NOT_FOUND, FAILED = "fetched", "found", "not_found", "failed"
# The elements EFetch answers with, and where each keeps its PubMed ID.
_RECORD_PMIDS = {"PubmedArticle": ("article", "MedlineCitation/PMID"), "PubmedBookArticle": ("book", "BookDocument/PMID")}
for _prefix, _uri in (("mml", "http://www.w3.org/1998/Math/MathML"), ("xlink", "http://www.w3.org/1999/xlink")):
    ET.register_namespace(_prefix, _uri)  # so a record written back out keeps its usual prefixes


class NcbiUnreachable(FetchFailed):
    """The very first request got no answer at all: no network, or no route to NCBI."""

    def __init__(self, base_url: str, reason: str) -> None:
        super().__init__(f"Cannot reach NCBI E-utilities at {base_url}: {reason}. {NO_NETWORK_HINT}")
        self.reason = reason


class _RequestFailed(Exception):
    """One request failed for good (retries spent, or an error that retrying cannot fix)."""


@dataclass
class FetchReport:
    fetched: list[int] = field(default_factory=list)  # looked up and saved in this run
    cached: list[int] = field(default_factory=list)  # saved by an earlier run
    not_found: list[int] = field(default_factory=list)  # no single PubMed match (this or an earlier run)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (reference, why); retried on the next run
    kept: list[int] = field(default_factory=list)  # ref-<n>.xml is a maintainer's file, left alone
    notes: list[str] = field(default_factory=list)  # one-line warnings (no contact e-mail set)

    def summary(self) -> str:
        return (
            f"{len(self.fetched)} fetched, {len(self.cached)} already cached, {len(self.not_found)} not found on PubMed, "
            f"{len(self.failed)} failed, {len(self.kept)} left to the maintainer's own files."
        )


def cache_file_name(number: int) -> str:
    return f"ref-{number}.xml"


def _api_key(settings: FetchSettings) -> str:
    return settings.api_key or os.environ.get(API_KEY_ENV, "")


def _retry_after_s(value: str | None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class EutilsClient:
    """GET requests to E-utilities with NCBI's rate limit, retries and back-off."""

    def __init__(self, settings: FetchSettings, sleep: Callable[[float], None] = time.sleep) -> None:
        api_key = _api_key(settings)
        self.base_url = settings.base_url.rstrip("/") + "/"
        self._common = {k: v for k, v in {"tool": settings.tool, "email": settings.email, "api_key": api_key}.items() if v}
        self._interval_s = 1 / (10 if api_key else 3)
        self._user_agent = settings.tool or "reviewqa"
        self._retries = settings.retries
        self._timeout_s = settings.timeout_s
        self._sleep = sleep
        self._last_request_at: float | None = None
        self._reached = False  # whether any request got an HTTP answer yet

    def _wait_turn(self) -> None:
        if self._last_request_at is not None:
            elapsed = time.monotonic() - self._last_request_at
            if elapsed < self._interval_s:
                self._sleep(self._interval_s - elapsed)
        self._last_request_at = time.monotonic()

    def get(self, endpoint: str, params: dict[str, str]) -> bytes:
        url = self.base_url + endpoint + "?" + urllib.parse.urlencode({**params, **self._common})
        request = urllib.request.Request(url, headers={"User-Agent": self._user_agent})
        attempt = 0
        while True:
            self._wait_turn()
            try:
                with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
                    body = response.read()
                self._reached = True
                return body
            except HTTPError as error:
                self._reached = True
                if error.code not in RETRY_STATUSES or attempt == self._retries:
                    raise _RequestFailed(f"HTTP {error.code} from {endpoint}") from None
                delay = _retry_after_s(error.headers.get("Retry-After")) if error.headers else None
            except _NETWORK_ERRORS as error:
                reason = getattr(error, "reason", None) or error
                if not self._reached:  # the first request tells whether NCBI can be reached at all
                    raise NcbiUnreachable(self.base_url, " ".join(str(reason).split())) from None
                if attempt == self._retries:
                    raise _RequestFailed(f"{endpoint}: {reason}") from None
                delay = None
            self._sleep(min(MAX_DELAY_S, delay if delay is not None else BACKOFF_BASE_S * 2**attempt))
            attempt += 1

    def search(self, term: str) -> list[str]:
        """PubMed IDs matching an ESearch term."""
        body = self.get("esearch.fcgi", {"db": "pubmed", "term": term, "retmode": "json", "retmax": "5"})
        try:
            return [str(pmid) for pmid in json.loads(body)["esearchresult"]["idlist"]]
        except (ValueError, KeyError, TypeError):
            raise _RequestFailed("esearch.fcgi answered something other than ESearch JSON") from None

    def fetch_xml(self, pmids: list[str]) -> bytes:
        """PubMed XML of up to 200 records (an EFetch GET takes that many IDs)."""
        return self.get("efetch.fcgi", {"db": "pubmed", "retmode": "xml", "id": ",".join(pmids)})


def search_terms(reference: Reference) -> list[str]:
    """ESearch terms to try in order: the DOI (PubMed's [AID] field holds it), then title + first author + year."""
    terms = [f'"{reference.doi}"[AID]'] if reference.doi else []
    title_words = " ".join(re.sub(r"[^\w\s-]", " ", reference.title).split())
    if title_words:
        term = f"{title_words}[ti]"
        if reference.first_author:
            term += f" AND {reference.first_author}[1au]"
        if reference.year:
            term += f" AND {reference.year}[dp]"
        terms.append(term)
    return terms


# ---------------------------------------------------------------- the manifest


def _manifest_path(cache_dir: Path) -> Path:
    return cache_dir / FETCH_MANIFEST_NAME


def read_manifest(cache_dir: Path) -> dict[int, dict[str, str]]:
    """Reference number → {"status", "pmid", "file", "query", "reason"} from earlier runs."""
    path = _manifest_path(cache_dir)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("tool") != _MANIFEST_TOOL:
            raise ValueError
        return {int(number): entry for number, entry in data["references"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise FetchFailed(f"{path} is not a reviewqa fetch manifest; move it out of the way and run again.") from None


def manifest_pmids(cache_dir: Path) -> dict[int, str]:
    """Reference number → PubMed ID, for `reviewqa.abstracts.link_abstracts(pmids=…)`."""
    return {number: entry["pmid"] for number, entry in read_manifest(cache_dir).items() if entry.get("pmid")}


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _write_manifest(cache_dir: Path, manifest: dict[int, dict[str, str]]) -> None:
    data = {"tool": _MANIFEST_TOOL, "references": {str(n): manifest[n] for n in sorted(manifest)}}
    _write_atomically(_manifest_path(cache_dir), json.dumps(data, indent=1).encode("utf-8"))


def _is_ours(cache_dir: Path, number: int, entry: dict[str, str] | None) -> bool:
    return bool(entry) and entry.get("status") == FETCHED and (cache_dir / cache_file_name(number)).exists()


# ---------------------------------------------------------------- fetching


def _look_up(client: EutilsClient, reference: Reference) -> dict[str, str]:
    """Manifest entry for one reference: the single PubMed ID its first fruitful term finds."""
    terms = search_terms(reference)
    for term in terms:
        pmids = client.search(term)
        if len(pmids) == 1:
            return {"status": FOUND, "pmid": pmids[0], "query": term}
        if len(pmids) > 1:
            return {"status": NOT_FOUND, "query": term, "reason": f"{len(pmids)} PubMed records match; none chosen"}
    return {"status": NOT_FOUND, "query": " | ".join(terms), "reason": "no PubMed record matches"}


def split_records(xml: bytes) -> dict[str, tuple[str, bytes]]:
    """Each record of an EFetch answer as a PubmedArticleSet of its own: PubMed ID → (kind, XML)."""
    try:
        root = parse_xml_root(xml)
    except AbstractFormatError as error:
        raise _RequestFailed(f"EFetch answered something other than PubMed XML ({error})") from None
    records = {}
    for element in root if root.tag.endswith("Set") else [root]:
        kind, pmid_path = _RECORD_PMIDS.get(element.tag, ("", ""))
        pmid = (element.findtext(pmid_path) or "").strip() if kind else ""
        if pmid:
            body = ET.tostring(element, encoding="unicode")
            records[pmid] = (kind, f'<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>{body}</PubmedArticleSet>\n'.encode())
    return records


def _batches(items: list[str], size: int) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _search(
    client: EutilsClient, references: list[Reference], cache_dir: Path, manifest: dict[int, dict[str, str]],
    report: FetchReport, progress: bool,
) -> list[int]:
    """ESearch each reference, recording what it gave; the numbers of those with a single PubMed ID."""
    found = []
    # The bars show only once a step has run for a second: offline, the first request fails before that.
    for reference in tqdm(references, desc="PubMed search", unit="ref", disable=not progress, delay=1):
        try:
            entry = _look_up(client, reference)
        except _RequestFailed as error:
            entry = {"status": FAILED, "reason": str(error)}
        manifest[reference.number] = entry
        _write_manifest(cache_dir, manifest)
        if entry["status"] == FOUND:
            found.append(reference.number)
        elif entry["status"] == NOT_FOUND:
            report.not_found.append(reference.number)
        else:
            report.failed.append((reference.number, entry["reason"]))
    return found


def _fetch(
    client: EutilsClient, numbers: list[int], cache_dir: Path, manifest: dict[int, dict[str, str]],
    report: FetchReport, batch_size: int, progress: bool,
) -> None:
    """EFetch the PubMed IDs of `numbers`, `batch_size` at a time, and store each record as its reference's file."""
    numbers_of: dict[str, list[int]] = {}  # a work cited twice has one PubMed ID for two references
    for number in sorted(numbers):
        numbers_of.setdefault(manifest[number]["pmid"], []).append(number)
    for batch in tqdm(_batches(sorted(numbers_of), batch_size), desc="PubMed fetch", unit="batch", disable=not progress, delay=1):
        try:
            records = split_records(client.fetch_xml(batch))
        except _RequestFailed as error:  # the PubMed IDs stay "found": the next run fetches them again
            report.failed += [(number, f"EFetch: {error}") for pmid in batch for number in numbers_of[pmid]]
            continue
        for pmid in batch:
            for number in numbers_of[pmid]:
                if pmid in records:
                    kind, xml = records[pmid]
                    _write_atomically(cache_dir / cache_file_name(number), xml)
                    manifest[number] = {**manifest[number], "status": FETCHED, "kind": kind, "file": cache_file_name(number)}
                    report.fetched.append(number)
                else:  # not asked for again: PubMed has no record under that ID
                    manifest[number] = {"status": NOT_FOUND, "query": manifest[number].get("query", ""),
                                        "reason": f"EFetch returned no record for PMID {pmid}"}
                    report.not_found.append(number)
        _write_manifest(cache_dir, manifest)


def fetch_abstracts(
    references: Iterable[Reference],
    cache_dir: Path,
    settings: FetchSettings,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchReport:
    """Fetch the PubMed record of every reference not cached yet into `cache_dir`.

    ESearch one reference at a time, then EFetch the PubMed IDs found in batches of
    `settings.batch_size`. Raises NcbiUnreachable when the first request gets no answer,
    FetchFailed when `cache_dir` holds a manifest this tool did not write.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(cache_dir)
    client = EutilsClient(settings, sleep=sleep)
    report = FetchReport()
    to_search: list[Reference] = []
    to_fetch: list[int] = []
    for reference in sorted(references, key=lambda r: r.number):
        number, previous = reference.number, manifest.get(reference.number)
        if _is_ours(cache_dir, number, previous):
            report.cached.append(number)
        elif (cache_dir / cache_file_name(number)).exists():
            report.kept.append(number)
        elif previous and previous.get("status") == NOT_FOUND:
            report.not_found.append(number)
        elif previous and previous.get("status") == FOUND:  # found by an earlier run: fetched without searching again
            to_fetch.append(number)
        else:
            to_search.append(reference)
    if (to_search or to_fetch) and not settings.email:
        report.notes.append(EMAIL_WARNING)
    to_fetch += _search(client, to_search, cache_dir, manifest, report, progress)
    _fetch(client, to_fetch, cache_dir, manifest, report, settings.batch_size, progress)
    report.fetched.sort()
    report.not_found.sort()
    return report
