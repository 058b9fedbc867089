"""XML from NCBI: PubMed EFetch (PubmedArticle and PubmedBookArticle records) and PMC EFetch (JATS pmc-articleset).

The root element decides which. Parsing goes through defusedxml: EFetch answers carry
an external DOCTYPE that is never fetched, while entity declarations (how
entity-expansion attacks start) and external entities are refused.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import defusedxml
import defusedxml.ElementTree as SafeET

from ..config import CorpusSettings
from ..records import AbstractRecord
from .common import AbstractFormatError, Parsed, entry_name, first_year, make_record, section_label, too_large
from .xmltext import element_text, local_name

PUBMED_ROOTS = ("PubmedArticleSet", "PubmedBookArticleSet", "PubmedArticle", "PubmedBookArticle")
PMC_ROOTS = ("pmc-articleset", "article")


def _text(element: ET.Element | None, path: str) -> str:
    return element_text(element.find(path)) if element is not None else ""


# ---------------------------------------------------------------- PubMed


def _pubmed_author(author: ET.Element) -> str:
    if author.findtext("CollectiveName"):
        return _text(author, "CollectiveName")
    given = author.findtext("ForeName") or author.findtext("Initials") or ""
    return f"{author.findtext('LastName', '')}, {given}".strip(", ")


def _authors(*author_lists: ET.Element | None) -> list[str]:
    """The first list that has authors (editors' lists are skipped)."""
    for authors in author_lists:
        if authors is not None and authors.get("Type", "authors") == "authors" and len(authors):
            return [_pubmed_author(author) for author in authors.iterfind("Author")]
    return []


def _sections(abstract: ET.Element | None) -> tuple[tuple[str, str], ...]:
    if abstract is None:
        return ()
    parts = ((section_label(part.get("Label", "")), element_text(part)) for part in abstract.iterfind("AbstractText"))
    return tuple((label, text) for label, text in parts if text)


def _ids(*id_lists: ET.Element | None) -> dict[str, str]:
    ids: dict[str, str] = {}
    for id_list in id_lists:
        if id_list is not None:
            for article_id in id_list.iterfind("ArticleId"):
                ids.setdefault(article_id.get("IdType", ""), element_text(article_id))
    return ids


def _elocation_doi(*holders: ET.Element | None) -> str | None:
    for holder in holders:
        if holder is not None:
            for location in holder.iterfind("ELocationID"):
                if location.get("EIdType") == "doi":
                    return element_text(location)
    return None


def _pubmed_article(entry: ET.Element, source: str) -> AbstractRecord | None:
    citation = entry.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    if article is None:
        return None
    ids = _ids(entry.find("PubmedData/ArticleIdList"))
    abstract = article.find("Abstract")
    pub_date = article.find("Journal/JournalIssue/PubDate")
    return make_record(
        title=_text(article, "ArticleTitle") or _text(article, "VernacularTitle"),
        authors=_authors(article.find("AuthorList")),
        journal=_text(article, "Journal/Title") or _text(article, "Journal/ISOAbbreviation"),
        year=first_year([_text(pub_date, "Year"), _text(pub_date, "MedlineDate"), _text(article, "ArticleDate/Year")]),
        doi=ids.get("doi") or _elocation_doi(article),
        pmid=_text(citation, "PMID"),
        pmcid=ids.get("pmc"),
        sections=_sections(abstract if abstract is not None else citation.find("OtherAbstract")),
        source=source,
    )


def _pubmed_book(entry: ET.Element, source: str) -> AbstractRecord | None:
    """An NCBI Bookshelf record: a whole book, or a chapter (its own ArticleTitle) of one."""
    document = entry.find("BookDocument")
    if document is None:
        return None
    book = document.find("Book")
    chapter_title = _text(document, "ArticleTitle")
    book_title = _text(book, "BookTitle")
    ids = _ids(document.find("ArticleIdList"), entry.find("PubmedBookData/ArticleIdList"))
    return make_record(
        title=chapter_title or book_title,
        authors=_authors(document.find("AuthorList"), book.find("AuthorList") if book is not None else None),
        journal=book_title if chapter_title else _text(book, "CollectionTitle"),
        year=first_year([_text(book, "PubDate/Year"), _text(book, "PubDate/MedlineDate"), _text(document, "ContributionDate/Year")]),
        doi=ids.get("doi") or _elocation_doi(document, book),
        pmid=_text(document, "PMID"),
        pmcid=ids.get("pmc"),
        sections=_sections(document.find("Abstract")),
        source=source,
    )


# ---------------------------------------------------------------- PMC (JATS)


def _jats_sections(abstract: ET.Element | None) -> tuple[tuple[str, str], ...]:
    if abstract is None:
        return ()
    sections = [
        (section_label(_text(section, "title")), " ".join(element_text(p) for p in section.iterfind("p")))
        for section in abstract.iterfind("sec")
    ]
    if not sections:
        sections = [("", " ".join(element_text(p) for p in abstract.iterfind("p")) or element_text(abstract))]
    return tuple((label, text) for label, text in sections if text)


def _jats_author(contributor: ET.Element) -> str:
    if contributor.find("collab") is not None:
        return _text(contributor, "collab")
    return f"{_text(contributor, 'name/surname')}, {_text(contributor, 'name/given-names')}".strip(", ")


def _jats_article(article: ET.Element, source: str) -> AbstractRecord | None:
    meta = article.find("front/article-meta")
    if meta is None:
        return None
    ids = {article_id.get("pub-id-type", ""): element_text(article_id) for article_id in meta.iterfind("article-id")}
    abstracts = list(meta.iterfind("abstract"))
    # The main abstract has no abstract-type; "graphical", "teaser" and the like are extras.
    abstract = next((a for a in abstracts if not a.get("abstract-type")), abstracts[0] if abstracts else None)
    pmcid = ids.get("pmc") or ids.get("pmcid")
    return make_record(
        title=_text(meta, "title-group/article-title"),
        authors=[_jats_author(c) for c in meta.iterfind("contrib-group/contrib") if c.get("contrib-type", "author") == "author"],
        journal=_text(article, "front/journal-meta/journal-title-group/journal-title"),
        year=first_year(_text(date, "year") for date in meta.iterfind("pub-date")),
        doi=ids.get("doi"),
        pmid=ids.get("pmid"),
        pmcid=f"PMC{pmcid}" if pmcid and pmcid.isdigit() else pmcid,
        sections=_jats_sections(abstract),
        source=source,
    )


# ---------------------------------------------------------------- the file

_READERS: dict[str, Callable[[ET.Element, str], AbstractRecord | None]] = {
    "PubmedArticle": _pubmed_article,
    "PubmedBookArticle": _pubmed_book,
    "article": _jats_article,
}


def _entries(root: ET.Element) -> Iterator[ET.Element]:
    if local_name(root.tag) in _READERS:
        yield root
    else:
        yield from (child for child in root if local_name(child.tag) in _READERS)


def parse_xml_root(data: bytes) -> ET.Element:
    """The root element of NCBI XML, parsed safely; AbstractFormatError for anything else."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise AbstractFormatError("XML with entity declarations or external references is refused") from None
    except ET.ParseError as error:
        raise AbstractFormatError(f"not well-formed XML ({error})") from None
    if local_name(root.tag) not in PUBMED_ROOTS + PMC_ROOTS:
        raise AbstractFormatError(f"XML that is neither PubMed nor PMC EFetch output (root element <{local_name(root.tag)}>)")
    return root


def parse_pubmed_xml(data: bytes | str, source: str, limits: CorpusSettings = CorpusSettings()) -> Parsed:
    """Records from PubMed EFetch XML (articles and Bookshelf records) or PMC EFetch JATS."""
    root = parse_xml_root(data.encode("utf-8") if isinstance(data, str) else data)
    parsed = Parsed()
    for number, entry in enumerate(_entries(root), 1):
        if sum(len(text) for text in entry.itertext()) > limits.max_record_chars:
            heading = entry.find(".//ArticleTitle")
            title = element_text(heading if heading is not None else entry.find(".//article-title"))
            parsed.left_out.append(too_large(entry_name(title, f"number {number}"), limits))
            continue
        record = _READERS[local_name(entry.tag)](entry, source)
        if record is not None:
            parsed.records.append(record)
        else:
            parsed.left_out.append(f"record number {number} (<{local_name(entry.tag)}>) has no article data")
    return parsed
