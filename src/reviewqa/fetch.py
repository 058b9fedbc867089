"""`reviewqa fetch-abstracts`: look the review's references up on PubMed and cache the records.

For each numbered reference: ESearch by DOI (`"<doi>"[doi]`), else by title, first
author and year; then EFetch the PubMed XML into corpus/abstracts/pubmed-cache/ref-<n>.xml,
which `reviewqa.abstracts.load_abstracts` reads like any other PubMed XML file. A
manifest (fetch-manifest.json) records what each reference gave, so a second run
resumes where the first stopped, and so the fetcher knows which files there are its
own: it never replaces a file it did not write.

Only the standard library talks HTTP. NCBI asks for at most 3 requests/s (10 with an
API key) and for the tool and email parameters; both are honoured here.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.error import HTTPError, URLError

from tqdm import tqdm

from .abstracts import FETCH_MANIFEST_NAME, AbstractFormatError, parse_pubmed_xml
from .config import FetchSettings
from .errors import FetchFailed
from .records import Reference

API_KEY_ENV = "NCBI_API_KEY"
NO_NETWORK_HINT = (
    "fetch-abstracts needs a network connection; you can also drop PubMed/RIS/BibTeX/PDF files into corpus/abstracts/."
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_BASE_S = 1.0
MAX_DELAY_S = 300.0  # longest wait honoured, for back-off and Retry-After alike
_MANIFEST_TOOL = "reviewqa fetch-abstracts"
_NETWORK_ERRORS = (URLError, TimeoutError, ConnectionError, http.client.HTTPException)

FETCHED, NOT_FOUND, FAILED = "fetched", "not_found", "failed"




class _RequestFailed(Exception):
    """One request failed for good (retries spent, or an error that retrying cannot fix)."""


@dataclass
class FetchReport:
    fetched: list[int] = field(default_factory=list)  # looked up and saved in this run
    cached: list[int] = field(default_factory=list)  # saved by an earlier run
    not_found: list[int] = field(default_factory=list)  # no single PubMed match (this or an earlier run)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (reference, why); retried on the next run
    kept: list[int] = field(default_factory=list)  # ref-<n>.xml is a maintainer's file, left alone

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
                    raise FetchFailed(f"Cannot reach NCBI E-utilities at {self.base_url}: {reason}. {NO_NETWORK_HINT}") from None
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

    def fetch_xml(self, pmid: str) -> bytes:
        return self.get("efetch.fcgi", {"db": "pubmed", "retmode": "xml", "id": pmid})


def search_terms(reference: Reference) -> list[str]:
    """ESearch terms to try in order: the DOI, then title + first author + year."""
    terms = [f'"{reference.doi}"[doi]'] if reference.doi else []
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
            return {"status": FETCHED, "pmid": pmids[0], "query": term}
        if len(pmids) > 1:
            return {"status": NOT_FOUND, "query": term, "reason": f"{len(pmids)} PubMed records match; none chosen"}
    return {"status": NOT_FOUND, "query": " | ".join(terms), "reason": "no PubMed record matches"}


def _fetch_one(client: EutilsClient, reference: Reference, cache_dir: Path) -> dict[str, str]:
    entry = _look_up(client, reference)
    if entry["status"] != FETCHED:
        return entry
    xml = client.fetch_xml(entry["pmid"])
    try:
        if not parse_pubmed_xml(xml, cache_file_name(reference.number)):
            raise AbstractFormatError("no PubmedArticle in the answer")
    except AbstractFormatError as error:
        raise _RequestFailed(f"EFetch for PMID {entry['pmid']}: {error}") from None
    _write_atomically(cache_dir / cache_file_name(reference.number), xml)
    return {**entry, "file": cache_file_name(reference.number)}


def fetch_abstracts(
    references: Iterable[Reference],
    cache_dir: Path,
    settings: FetchSettings,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchReport:
    """Fetch the PubMed record of every reference not cached yet into `cache_dir`.

    Raises FetchFailed when NCBI cannot be reached at all (first request) or when
    `cache_dir` holds a manifest this tool did not write.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(cache_dir)
    client = EutilsClient(settings, sleep=sleep)
    report = FetchReport()
    for reference in tqdm(sorted(references, key=lambda r: r.number), desc="PubMed", unit="ref", disable=not progress):
        number, previous = reference.number, manifest.get(reference.number)
        if _is_ours(cache_dir, number, previous):
            report.cached.append(number)
            continue
        if (cache_dir / cache_file_name(number)).exists():
            report.kept.append(number)
            continue
        if previous and previous.get("status") == NOT_FOUND:
            report.not_found.append(number)
            continue
        try:
            entry = _fetch_one(client, reference, cache_dir)
        except _RequestFailed as error:
            entry = {"status": FAILED, "reason": str(error)}
        manifest[number] = entry
        _write_manifest(cache_dir, manifest)
        if entry["status"] == FETCHED:
            report.fetched.append(number)
        elif entry["status"] == NOT_FOUND:
            report.not_found.append(number)
        else:
            report.failed.append((number, entry["reason"]))
    return report
