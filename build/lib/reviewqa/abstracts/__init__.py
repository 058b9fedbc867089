"""Abstracts of the cited works: import them from common formats and link them to the review.

Maintainers drop files into corpus/abstracts/ (PubMed or PMC XML, MEDLINE/.nbib, RIS,
BibTeX, PDF); `reviewqa fetch-abstracts` adds PubMed XML under pubmed-cache/.
`load_abstracts` reads every file (its format told by its content, see `loader`) within
the corpus limits and reports what it cannot use; `link_abstracts` ties each record to
a numbered reference of the review by DOI, PMID or title. One module per format.
"""

from ..records import AbstractRecord, Link
from .bibtex import parse_bibtex
from .common import AbstractFormatError, LimitExceeded, Parsed, normalise_doi, split_labelled
from .latex import delatex
from .linker import Duplicate, LinkReport, link_abstracts, normalise_title
from .loader import FETCH_MANIFEST_NAME, PUBMED_CACHE_DIR, LoadReport, load_abstracts, parse_data
from .medline import parse_medline
from .pdf import parse_pdf
from .pubmed_xml import parse_pubmed_xml
from .ris import parse_ris

__all__ = [
    "FETCH_MANIFEST_NAME",
    "PUBMED_CACHE_DIR",
    "AbstractFormatError",
    "AbstractRecord",
    "Duplicate",
    "LimitExceeded",
    "Link",
    "LinkReport",
    "LoadReport",
    "Parsed",
    "delatex",
    "link_abstracts",
    "load_abstracts",
    "normalise_doi",
    "normalise_title",
    "parse_bibtex",
    "parse_data",
    "parse_medline",
    "parse_pdf",
    "parse_pubmed_xml",
    "parse_ris",
    "split_labelled",
]
