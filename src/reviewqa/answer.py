"""Reading + ranked passages → a typed, cited answer.

An answer is a tuple of blocks, rendered only at the edge (render.py, the app):
  Summary        a line in our own words: a table's summary, a trial's row in words
  Prose          quoted sentences of the review (or of an abstract), each with its own markers
  TableBlock     rows of one table query or of one quoted table, as data
  ReferenceCard  a cited work: its entry and link, what in the review cites it, its abstract
  Notice         why a question is declined, or that the index is stale

The key fact leads. For a fact, the best sentence comes first and a further sentence joins only
when it scores close to the best, says something new and the answer stays short. Tables answer
with their summary line first. Summaries, comparisons and limitations are built from the review's
own sentences, one cited line per strand or side. Nothing is quoted from administrative text
(funding, contributions, abbreviations) unless the question asks for it by name.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from . import lexical, tableanswer
from .abstain import (ASKS_EXISTENCE, NO_HUMAN_EVIDENCE, Coverage, asks_count, asks_human_existence, asks_quantity,
                      counted_things, counting_lists, gives_figure_for, salient_words)
from .config import AnswerSettings
from .evidence import (ADMIN, Evidence, ScoredSentence, Sentence, asked_as, colon_items, each_text_once, list_opening,
                       section_gate)
from .records import Document, Reference, TableRow
from .retrieve import Hit
from .tableanswer import TableResult
from .tablequery import YES_NO
from .understand import ADMIN_SECTIONS, JUDGEMENT, METHODS_SECTIONS, STRANDS, Query, Reading
from .vocabulary import FIELD_ABBREVIATIONS, english_zipf, expand_query, spelled_out

# A sentence opening like this draws the conclusion of the one before ("As a result, … about 13.4%"): a quoted
# sentence brings the conclusion that follows it, and a quoted conclusion brings what it concludes from.
_CONCLUDES = re.compile(r"^(?:As a result|Therefore|Thus|Hence|Consequently|Accordingly)\b")
# A sentence opening like this leans on the one before ("These cells survive…", "For this purpose…"): quoted, it brings it along; and
# quoted, a sentence brings such a follower when it elaborates it ("These advantages include…", "He … proved").
# ("It" is left out: "It is likely that…" leans on nothing; and so does "This systematic review…", the review itself.)
_LEANS_ON_PREVIOUS = re.compile(r"^(?:These|This(?! (?:systematic )?(?:review|paper|article)\b)|They|Such|He|She|For this purpose"
                                r"|To this end)\b")
# A sentence going on about what the one before it named ("Among them, tumorigenicity is the most serious…").
_TAKES_UP = re.compile(rf"{_LEANS_ON_PREVIOUS.pattern}|^(?:Among|Of) (?:them|these|those)\b")
# A clause of a numbered list cut at its semicolons ("(2) MSCs can reduce…;"): the list is quoted as a whole.
_LIST_ITEM = re.compile(r"^(?:and |or )?\(\d{1,2}\)")
_LIST_OPENER = re.compile(r"\(1\)")
_CONCEDES = re.compile(r"^(?:Despite|Although|Though|While)\b[^,]*,")
_GOES_ON = re.compile(r"^(?:As well|On the other hand|Moreover|Furthermore|In addition|Additionally|Also|Besides)\b")
_LISTS = re.compile(rf"{_LIST_ITEM.pattern}|{_LIST_OPENER.pattern}")  # an item of a numbered list, or its opening
# The review's own statements of what is missing or uncertain, and of advantages and risks.
_GAP_CUES = re.compile(
    r"\b(?:lack|no (?:studies|study|clinical trial|long-term)|not (?:easy|been|fully|responding)|needs? (?:more|evaluation)"
    r"|difficult|unclear|unknown|limited|concern|challenge|however|only (?:ways?|choice)|has remained)\w*", re.IGNORECASE)
# The review's own statements of what the evidence lacks: the gaps themselves, not merely words of doubt.
_GAP_STATEMENTS = re.compile(r"\b(?:lack of|no (?:studies|study|clinical trials?)|not been (?:published|reported|terminated)"
                             r"|needs? more|is not easy|difficult to|remains? unclear|(?:is|are) unknown|further (?:studies|research))\b",
                             re.IGNORECASE)
_STATES_ADVANTAGES = re.compile(r"\badvantages?\b", re.IGNORECASE)
_RISK_CUES = re.compile(r"\b(?:risks?|tumor\w*|tumour\w*|fibrosis|proinflammatory|traumatic|complications?|side effects?"
                        r"|concern|decrease with age|negative effects?|contamination|serious)\b", re.IGNORECASE)
_ADVANTAGE_CUES = re.compile(r"\b(?:advantages?|easier|safer|promising|popular|preferable|ideal|low immunogenicity|free from"
                             r"|comparable|efficient|suggest|high (?:differentiation|proliferative)|availability|unlimited)\b",
                             re.IGNORECASE)
_ASKS_WHY = re.compile(r"^why\b|\bwhy (?:do|does|did|is|are|can|can't|cannot|was|were|would|should)\b|\bfor what reason\b")
_GIVES_REASON = re.compile(r"\b(?:because|due to|since|owing to|as a result|therefore|thus|hence|made it|lack of|so that)\b",
                           re.IGNORECASE)
# Asking how something works ("how do MSCs repair the testis?"), and the sentences telling its mechanism.
_ASKS_HOW = re.compile(r"\bhow\b(?! (?:many|much|long|often|old|soon|successful|common|likely|safe)\b)")
_GIVES_MECHANISM = re.compile(r"\bmechanisms?\b|\bvia\b|\bthrough (?!\w+ (?:studies|trials))|\bby (?:regulating|reducing|secreting|"
                              r"stimulating|inhibiting|forming|differentiating|suppressing)\b", re.IGNORECASE)
_ASKS_WHEN = re.compile(r"^when\b|\bwhen (?:was|were|did|is|are)\b|\bwhat year\b|\bhow long ago\b")
# "what options does a man with NOA have?", "what can a couple do if…": the sentences naming choices answer.
_ASKS_OPTIONS = re.compile(r"\b(?:options?|choices?|alternatives?)\b|\bwhat (?:can|could|should) "
                           r"(?:(?:a|an|the|my|our) (?:man|men|couple|couples|patient|patients|husband|partner)|he|she|we|i|you)\b"
                           r".{0,40}\bdo\b")
# "which hormone…", "what growth factors…": the kind of thing asked for.
_WHICH_KIND = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?(?P<kind>hormones?|factors?|proteins?|markers?)\b")
_SAYS_WHAT_IT_IS = re.compile(r"\b(?:manifests? as|(?:is|are) defined (?:as|by)|refers? to|means|(?:is|are) characteri[sz]ed by)\b")
# … more than what it is classed as ("NOA is a reproductive disease in men that causes infertility in 10%…").
_SAYS_WHAT_IT_IS_A = re.compile(rf"{_SAYS_WHAT_IT_IS.pattern}|\b(?:is|are) (?:an?|the) (?!\w+ (?:of|for) )\w+\b")
_ASKS_DOI = re.compile(r"\bdois?\b", re.IGNORECASE)
_GIVES_OPTIONS = re.compile(r"\b(?:options?|choices?|alternatives?)\b|\beither\b.{1,80}\bor\b", re.IGNORECASE)
_GIVES_DATE = re.compile(r"\b(?:1[89]\d\d|20\d\d)\b")
_RECOMMENDS = re.compile(r"\b(?:suggest|recommend|prefer|propose|advis)\w*|\bshould\b"
                         r"|\bmost (?:effective|efficient|suitable|promising)\b|\b(?:superior|optimal|ideal)\b", re.IGNORECASE)
_TELLS_EXISTENCE = re.compile(r"\bno (?:studies|study|clinical trials?|trials?|reports?)\b|\bnot been (?:published|reported|terminated)"
                              r"|\bhave been (?:published|reported|recorded|completed)\b|\bexcept\b", re.IGNORECASE)
# What marks a sentence as a comparison ("AT-MSCs are easier and safer to obtain than BM-MSCs").
_COMPARES = re.compile(r"\b(?:than|whereas|while|comparable|similar|unlike|compared|versus|vs|more|less|better|worse|"
                       r"easier|safer|higher|lower)\b", re.IGNORECASE)
_ASKS_RISK = re.compile(r"\b(?:risk\w*|dangers?|dangerous|safe\w*|side effects?|complications?|harms?|harmful|downsides?"
                        r"|drawbacks?|disadvantages?|cons|problems?|issues?|concerns?|worr\w+|bad|worst)\b")
_LIMITATION_CUES = re.compile(f"{_GAP_CUES.pattern}|{_RISK_CUES.pattern}", re.IGNORECASE)
# "Which one is the worst?", "the biggest risk": one thing is asked, the one the review ranks first.
# (Judgements, not amounts: "which source gives the most cells?" asks a yield, not "the most promising".)
_JUDGED = r"(?:serious|dangerous|important|common|commonly used|effective|efficient|popular|suitable|frequent|worrying)"
_ASKS_SUPERLATIVE = re.compile(rf"\b(?:worst|best|biggest|greatest|most {_JUDGED}|main one|top)\b")
_GIVES_SUPERLATIVE = re.compile(rf"\bmost {_JUDGED}\b|\b(?:worst|best|biggest|greatest)\b", re.IGNORECASE)
_ASKS_CODE = re.compile(r"\b(?:regist\w*|trial)\s+(?:numbers?|nos?|codes?|ids?|identifiers?)\b|\bregistered (?:as|under)\b")
_CODE_WORDS = frozenset(lexical.tokenize("registry registration registered number numbers code codes id identifier trial trials"))
_CONCLUDE = re.compile(r"\bconclu\w*|\btake-?aways?\b|\bbottom line\b")
CLOSEST_LEAD = "The closest the review comes:"
_TRIAL_COLUMNS = {  # words asking for one column of a trial's row
    "Stage": re.compile(r"\b(?:status|stage|recruit\w*|completed?|active|ongoing|finished|done|over|ended|open)\b"),
    "Phase": re.compile(r"\bphases?\b"),
    "Country": re.compile(r"\b(?:where|country|countries|location|located)\b"),
    "Date": re.compile(r"\b(?:when|year|date|started|registered)\b"),
    "Source": re.compile(r"\b(?:source|cells?|msc)\b"),
    "Disease/syndrome": re.compile(r"\b(?:disease|condition|indication|syndrome|for what|treat\w*)\b"),
    "Transplantation": re.compile(r"\b(?:autologous|allogeneic|transplant\w*|own cells|donors?|donated)\b"),
    "Sex": re.compile(r"\b(?:sex|men|women|male|female)\b"),
}


@dataclass(frozen=True)
class Quote:
    """One quoted unit: a sentence as the corpus has it, with its own markers."""

    text: str
    refs: tuple[int, ...]
    passage: str  # id of the passage it comes from
    source: str  # its section, or "Abstract of [n]"
    label: str = ""  # a lead-in for synthesis lines ("Animal models", "Adipose tissue")


@dataclass(frozen=True)
class Summary:
    text: str
    refs: tuple[int, ...] = ()


@dataclass(frozen=True)
class Prose:
    quotes: tuple[Quote, ...]
    heading: str = ""


@dataclass(frozen=True)
class TableBlock:
    result: TableResult
    shown: int  # rows written into the answer's text; the app shows them all


@dataclass(frozen=True)
class ReferenceCard:
    reference: Reference
    url: str | None
    citing: tuple[Quote, ...]  # sentences of the review citing the work
    rows: tuple[TableResult, ...]  # table rows citing it, one result per table
    abstract: str  # its abstract, when one is indexed


@dataclass(frozen=True)
class Notice:
    text: str
    kind: str = "declined"  # "declined", "stale", "info"


Block = Summary | Prose | TableBlock | ReferenceCard | Notice


@dataclass(frozen=True)
class Citation:
    ref: int
    entry: str
    doi: str | None
    url: str | None


@dataclass(frozen=True)
class Passage:
    id: str
    kind: str
    section: str
    text: str
    score: float
    similarity: float
    refs: tuple[int, ...]
    used: tuple[str, ...] = ()  # its sentences the answer quotes
    cells: tuple[tuple[str, str], ...] = ()
    ref: int | None = None


@dataclass(frozen=True)
class Answer:
    question: str
    reading: Reading
    blocks: tuple[Block, ...]
    covered: bool
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    table: TableResult | None = None  # the exact table result, when the question is a table question
    timings_ms: dict[str, float] = field(default_factory=dict)
    # The works cited by the quote that speaks most to the question (not by its context): what "who did that study?"
    # asks about next.
    key_refs: tuple[int, ...] = ()

    @property
    def intent(self) -> str:
        return self.reading.intent if self.covered else "out_of_scope"

    @property
    def interpreted(self) -> str:
        """How a follow-up was read, when that differs from the question."""
        return self.reading.text if self.reading.text != self.question else ""


# --- helpers -------------------------------------------------------------------------------


def _quote(evidence: Evidence, sentence: Sentence, label: str = "") -> Quote:
    chunk = evidence.index.chunks[sentence.chunk]
    source = f"Abstract of [{chunk.ref}]" if chunk.kind == "abstract" and chunk.ref else chunk.section
    return Quote(sentence.text, sentence.refs, chunk.id, source, label)


def _is_row(evidence: Evidence, sentence: Sentence) -> bool:
    return evidence.index.chunks[sentence.chunk].kind == "table_row"


def _rows_of(evidence: Evidence, sentences: Sequence[Sentence]) -> tuple[TableResult, ...]:
    """Quoted table rows as one TableResult per table, in the order the tables first appear."""
    by_table: dict[int, list[TableRow]] = {}
    tables = {table.number: table for table in evidence.tables}
    for sentence in sentences:
        chunk = evidence.index.chunks[sentence.chunk]
        table = tables.get(chunk.table)
        row = next((r for r in table.rows if r.index == chunk.row), None) if table else None
        if row is not None and row not in by_table.setdefault(table.number, []):
            by_table[table.number].append(row)
    return tuple(tableanswer.quoted_rows(tables[number], rows) for number, rows in by_table.items())


def _select(candidates: Sequence[ScoredSentence], evidence: Evidence, settings: AnswerSettings,
            limit: int | None = None, margin: float | None = None, leading: Sequence[ScoredSentence] = (),
            topic: frozenset[str] = frozenset(), explaining: bool = False) -> list[Sentence]:
    """The best sentence (or the `leading` ones), then those close to the best (within `margin`, the fact margin by
    default) that add something new on the question's `topic` (a sentence after the first must use a share of its
    words, when it has any), within the length budget; each brings the neighbours it needs to be read (see _with_context)."""
    if not candidates:
        return []
    limit = max(limit or settings.max_sentences, len(leading))
    margin = settings.extra_margin if margin is None else margin
    best = candidates[0].score
    # For a how or why question, a list is quoted whole when its opening clause is itself close to the best sentence
    # ("Several possible mechanisms of testicular function restoration…" for "how do MSCs restore the testis?").
    relevant = frozenset(c.sentence.text for c in candidates if c.score >= best - margin) if explaining else frozenset()
    chosen: list[Sentence] = []
    length = 0
    for item in [*leading, *candidates]:
        sentence = item.sentence
        if chosen and item not in leading and (len(chosen) >= limit or item.score < best - margin
                                               or length + len(sentence.text) > settings.max_chars):
            continue
        if chosen and item not in leading and topic and evidence.overlap(topic, sentence.words) < settings.follower_topic_share:
            continue
        # A sentence repeats what is quoted when little of its wording is new (overlapping passages repeat sentences
        # whole). Rows of a table read alike but each is its own fact.
        if not _is_row(evidence, sentence) and chosen and _novelty(sentence, chosen, evidence) < settings.min_novelty:
            continue
        # What a part of the question asks is quoted even when it leans on a chain of sentences ("These cells survive
        # chemotherapy…" after "These cells are located…" after the embryonic-like stem cells [62]).
        context = _with_context(sentence, evidence, explaining, relevant, _LEANS_BACK if item in leading else 1)
        if not context:
            continue  # cannot be read on its own (a list item whose opening clause is in another passage)
        quoted = {s.text for s in chosen}  # passages overlap: the same sentence may come from two of them
        group = []
        for s in context:
            if s.text not in quoted:
                group.append(s)
                quoted.add(s.text)
        chosen.extend(group)
        length += sum(len(s.text) for s in group)
    return chosen


def _novelty(sentence: Sentence, chosen: Sequence[Sentence], evidence: Evidence) -> float:
    """IDF-weighted share of the sentence's words that no chosen sentence uses."""
    quoted = frozenset(word for other in chosen for word in other.words)
    return 1.0 - evidence.overlap(sentence.words, quoted)


# An abbreviation a sentence introduces: "(SSF)", "(AT-MSCs)".
_DEFINES = re.compile(r"\(([A-Z][A-Za-z-]{1,9}?)s?\)")
_TAKEN_UP_WITHIN = 4  # words at the start of the next sentence that may take the term up
_LEANS_BACK = 2  # sentences leaning each on the one before that may be followed back to what they lean on


def _opener(opening: Sentence) -> Sentence:
    """A list's opening clause without its first item, when another item is quoted after it ("Several possible
    mechanisms … have been shown: … (6) the transplanted cells secrete growth factors…"): that item is not the answer."""
    before, marker, _ = opening.text.partition("(1)")
    return replace(opening, text=f"{before.rstrip()} …", refs=()) if marker and before.strip() else opening


def _with_context(sentence: Sentence, evidence: Evidence, explaining: bool = False,
                  relevant: frozenset[str] = frozenset(), leans_back: int = 1) -> list[Sentence]:
    """The sentence with the neighbours it needs to be read: what a conclusion or a "These…" leans on; the conclusion
    or elaboration right after it; and, for a clause of a numbered list, the clause that opens the list. For a how or
    why question (`explaining`), the reasoning to its end, and the whole list when its opening is `relevant` too
    ("how do MSCs restore the testis?" is answered by the list of mechanisms, not by one). A sentence leaning on the
    one before is followed back through at most `leans_back` such sentences to what they lean on."""
    siblings = evidence.by_chunk[sentence.chunk]
    if _LIST_ITEM.search(sentence.text) or (sentence.text.endswith(";") and sentence.number + 1 < len(siblings)
                                            and _LIST_ITEM.match(siblings[sentence.number + 1].text)):
        start = sentence.number
        while start > 0 and (_LIST_ITEM.match(siblings[start].text) or siblings[start - 1].text.endswith(";")):
            start -= 1
        if not _LIST_OPENER.search(siblings[start].text):
            opening = _opening_before(evidence.index.chunks[sentence.chunk], sentence.chunk, evidence)
            if opening is None:
                return []  # the list began in an earlier passage and its opening is not found there
            return _list_from(opening, evidence) if opening.text in relevant else [_opener(opening), sentence]
        # The list's opening clause brings the whole list; one of its items, the opening clause (what the list is of).
        opening = siblings[start]
        if opening.text in relevant or sentence.number == start:
            return _list_from(opening, evidence)
        return [_opener(opening), sentence]
    group = [sentence]
    if _LEANS_ON_PREVIOUS.match(sentence.text):
        # What it leans on, back to the sentence naming it ("…embryonic stem cells… [62]. These cells are located…
        # These cells survive chemotherapy…"), when that is in the passage.
        start = sentence.number
        while start > 0 and sentence.number - start < leans_back and _LEANS_ON_PREVIOUS.match(siblings[start].text):
            start -= 1
        if _LEANS_ON_PREVIOUS.match(siblings[start].text):
            return []  # what it leans on is in another passage, or further back
        group = list(siblings[start:sentence.number + 1])
    elif sentence.number > 0 and (_CONCLUDES.match(sentence.text) or _TAKES_UP.match(sentence.text)):
        group.insert(0, siblings[sentence.number - 1])
    if sentence.number + 1 < len(siblings) and (_CONCLUDES.match(siblings[sentence.number + 1].text)
                                                or _LEANS_ON_PREVIOUS.match(siblings[sentence.number + 1].text)):
        group.append(siblings[sentence.number + 1])
        # A conclusion drawn from that conclusion ("As a result, … 13.4%." "Therefore, considering this low success
        # rate…") is where the reasoning ends.
        following = _next_sentence(group[-1], evidence) if explaining else None
        if following is not None and _CONCLUDES.match(following.text):
            group.append(following)
    else:
        # "…which he later called stromal-vascular fraction (SSF)." + "The SSF is heterogeneous and includes…":
        # a term the sentence introduces, taken up at once by the next, is what the next one tells about.
        following = _next_sentence(sentence, evidence)
        defined = _DEFINES.findall(sentence.text)
        if following is not None and defined and any(term in following.text.split()[:_TAKEN_UP_WITHIN] for term in defined):
            group.append(following)
    return group


def _next_sentence(sentence: Sentence, evidence: Evidence) -> Sentence | None:
    """The sentence after `sentence` in the document: in its passage, else in the next passage of the same section
    (passages overlap, so after the repeated clauses)."""
    siblings = evidence.by_chunk[sentence.chunk]
    if sentence.number + 1 < len(siblings):
        return siblings[sentence.number + 1]
    chunks = evidence.index.chunks
    position = sentence.chunk + 1
    if position >= len(chunks) or chunks[position].section != chunks[sentence.chunk].section:
        return None
    following = evidence.by_chunk.get(position, [])
    texts = [s.text for s in following]
    start = texts.index(sentence.text) + 1 if sentence.text in texts else 0
    return following[start] if start < len(following) else None


def _opening_before(chunk, position: int, evidence: Evidence) -> Sentence | None:
    """The opening clause of a numbered list that began in an earlier passage of the same section."""
    while position > 0 and evidence.index.chunks[position - 1].section == chunk.section:
        position -= 1
        opening = next((s for s in evidence.by_chunk.get(position, ()) if _LIST_OPENER.search(s.text)), None)
        if opening is not None:
            return opening
    return None


def _list_from(opening: Sentence, evidence: Evidence) -> list[Sentence]:
    """A numbered list cut at its semicolons, from its opening clause to its last item, followed into the next passage
    of the same section when the list runs on past its passage (passages overlap: repeated clauses are skipped)."""
    items, seen = [opening], {opening.text}
    position, number = opening.chunk, opening.number + 1
    while items[-1].text.endswith(";"):
        siblings = evidence.by_chunk.get(position, [])
        if number >= len(siblings):
            following = evidence.index.chunks[position + 1] if position + 1 < len(evidence.index.chunks) else None
            if following is None or following.section != evidence.index.chunks[position].section:
                break
            position, number = position + 1, 0
            continue
        if siblings[number].text not in seen:
            items.append(siblings[number])
            seen.add(siblings[number].text)
        number += 1
    return items


def _prose_and_rows(chosen: Sequence[Sentence], evidence: Evidence, settings: AnswerSettings) -> list[Block]:
    """Chosen sentences as a Prose block; table rows among them as tables after it (before it when a row leads)."""
    prose = [s for s in chosen if not _is_row(evidence, s)]
    rows = [s for s in chosen if _is_row(evidence, s)]
    blocks: list[Block] = []
    if prose:
        blocks.append(Prose(tuple(_quote(evidence, s) for s in prose)))
    tables = [TableBlock(result, min(result.count, settings.table_rows)) for result in _rows_of(evidence, rows)]
    return tables + blocks if chosen and _is_row(evidence, chosen[0]) else blocks + tables


def _mentions_word(sentence: Sentence, stems: set[str]) -> bool:
    return bool(stems & sentence.words)


# --- composers, one per kind of answer -----------------------------------------------------


def _favouring(candidates: Sequence[ScoredSentence], cue, bonus: float) -> list[ScoredSentence]:
    """Candidates re-ranked with `bonus` added to those whose text `cue` accepts."""
    return sorted((replace(c, score=c.score + bonus) if cue(c.sentence.text) else c for c in candidates), key=lambda c: -c.score)


def _answer_cues(text: str, topic: frozenset[str], evidence: Evidence, settings: AnswerSettings) -> list[tuple[Callable, float]]:
    """What marks a sentence as answering what `text` asks, with the bonus it earns: a figure for "what share…", the
    review's recommendation for "which source do the authors recommend?", a reason for "why…", a date for "when…",
    what has (not) been published for "has it been tried…?", a code of the registry named; and a penalty for the
    review's statements of its aim, unless they are asked for, and for sentences about what the question sets aside."""
    lowered = text.lower()
    cues: list[tuple[Callable, float]] = []
    if asks_count(text):
        # "how many ways…?": the sentence giving the number of those things (or listing them, numbered) answers.
        cues.append((lambda sentence: gives_figure_for(text, sentence), settings.judgement_bonus))
    elif asks_quantity(text):
        # The kind of figure asked: a share for "how common…", a time for "how long…", a dose with its unit.
        cues.append((lambda sentence: gives_figure_for(text, sentence), settings.figure_bonus))
    if JUDGEMENT.search(lowered):
        # However differently the recommendation is worded from the question, it is on the question's topic.
        cues.append((lambda sentence: bool(_RECOMMENDS.search(sentence) and topic & set(lexical.tokenize(sentence))),
                     settings.judgement_bonus))
    # A code of the registry named ("the IRCT number"), or of any registry when a registration number is asked.
    registries = set(evidence.identifier_prefixes) if _ASKS_CODE.search(lowered) else \
        {word for word in re.findall(r"[a-z]+", lowered) if word in evidence.identifier_prefixes}
    if registries:
        code = re.compile(rf"\b(?:{'|'.join(sorted(registries))})\d{{4,}}", re.IGNORECASE)
        # "the Iranian registry number": a code told with what the question names it by.
        named = topic - _CODE_WORDS
        cues.append((lambda sentence: bool(code.search(sentence)) and (not named or bool(named & set(lexical.tokenize(sentence)))),
                     settings.judgement_bonus))
    for asks, answers in ((_ASKS_WHY, _GIVES_REASON), (_ASKS_WHEN, _GIVES_DATE), (ASKS_EXISTENCE, _TELLS_EXISTENCE),
                          (_ASKS_HOW, _GIVES_MECHANISM)):
        if asks.search(lowered):
            cues.append((answers.search, settings.figure_bonus))
    if _ASKS_OPTIONS.search(lowered):
        # The choices are the answer itself, however few of the question's words their sentences use.
        cues.append((_GIVES_OPTIONS.search, settings.judgement_bonus))
    kind = _WHICH_KIND.search(lowered)
    instances = _instances_of(kind["kind"], evidence) if kind else None
    if instances:
        # "which hormone is raised in NOA?": a sentence naming one ("FSH is increased…") answers, not one about hormones.
        cues.append((instances.search, settings.judgement_bonus))
    if asks_human_existence(lowered):
        # "has it been proven in men?": the review's statement that no human study is published answers it.
        cues.append((NO_HUMAN_EVIDENCE.search, settings.judgement_bonus))
    cues += _aim_cues(lowered, settings) + _superlative_cues(lowered, settings)
    for excluded in _BESIDES.finditer(lowered):
        # "which cell types besides germ cells?": what is set aside is not the answer; "without stem cells" sets aside
        # the field's own subject, told also by its abbreviations (MSC, BM-MSC…).
        words = set(lexical.tokenize(excluded["what"]))
        stems = words - _GENERAL or words
        named_by = _side_words(evidence, excluded["what"]) - set(lexical.tokenize(expand_query(excluded["what"], {})))
        cues.append((lambda sentence, stems=stems, named_by=named_by: stems <= set(lexical.tokenize(sentence))
                     or bool(named_by & set(lexical.tokenize(sentence))), -settings.excluded_penalty))
    return cues


def _instances_of(kind: str, evidence: Evidence) -> re.Pattern[str] | None:
    """The review's terms for things of a kind, abbreviated or spelled out ("hormone" → FSH, follicle-stimulating
    hormone, LH…: their expansions name the kind), as a pattern finding any of them; None when there are none."""
    stems = set(lexical.tokenize(kind))
    names = [name for abbreviation, expansion in evidence.abbreviations.items()
             if stems & set(lexical.tokenize(expansion.replace("-", " "))) for name in (abbreviation, expansion)]
    return re.compile(rf"\b(?:{'|'.join(map(re.escape, names))})s?\b", re.IGNORECASE) if names else None


def _going_on_cues(query: Query, evidence: Evidence, settings: AnswerSettings) -> list[tuple[Callable, float]]:
    """A follow-up's answer goes on from what the answer before it quoted: a sentence taking one of those up ("The main
    risks are…" → "Among them, tumorigenicity is the most serious…") gains; one it quoted that uses none of the
    follow-up's own words loses (it asks something more: "and what did they exclude?" after the databases searched; not
    "and LH?" after the sentence on FSH and LH)."""
    earlier = query.reading.earlier_quotes
    if not earlier:
        return []
    quoted = frozenset(earlier)
    own = {stem for word in salient_words(query.reading.question) for stem in lexical.tokenize(word)}
    following = frozenset(siblings[number + 1].text for siblings in evidence.by_chunk.values()
                          for number, sentence in enumerate(siblings[:-1])
                          if sentence.text in quoted and _TAKES_UP.match(siblings[number + 1].text))
    repeated = frozenset(text for text in quoted if own and not own & set(lexical.tokenize(text)))
    return [(following.__contains__, settings.continuation_bonus), (repeated.__contains__, -settings.repeat_penalty)]


def _superlative_cues(lowered: str, settings: AnswerSettings) -> list[tuple[Callable, float]]:
    """"Which enzyme works best?", "which one is the worst?": the review's own superlative ("the most effective",
    "the most serious") answers, rather than what it says should be done or what is merely named alongside."""
    return [(_GIVES_SUPERLATIVE.search, settings.figure_bonus)] if _ASKS_SUPERLATIVE.search(lowered) else []


def _aim_cues(lowered: str, settings: AnswerSettings) -> list[tuple[Callable, float]]:
    """The review's statements of its aim share the field's words with every question: they answer only when asked."""
    if _ASKS_OWN_AIM.search(lowered) or _ASKS_WHAT_ABOUT.search(lowered):
        return []
    return [(_STATES_AIM.search, -settings.aim_penalty)]


def _favoured(items: Sequence[ScoredSentence], cues: Sequence[tuple[Callable, float]]) -> list[ScoredSentence]:
    for cue, bonus in cues:
        items = _favouring(items, cue, bonus)
    return list(items)


def _fact(query: Query, candidates: Sequence[ScoredSentence], evidence: Evidence, settings: AnswerSettings) -> list[Block]:
    topic = _topic(query)
    definitions = _definitions(query, evidence, settings) if query.reading.defines else []
    if definitions and not query.reading.parts:
        # What the term is, in the review's words, and nothing else: its first few definitions, however worded.
        return _prose_and_rows(_select(definitions, evidence, settings, limit=settings.definition_sentences,
                                       margin=math.inf), evidence, settings)
    # "what are exosomes and what do they do here?": what they are leads; the other part is answered after it. What the
    # term is classed as is followed by what it is, where the review says so ("NOA is a reproductive disease…" by "…
    # manifests as the absence of spermatozoa in ejaculates…").
    leading: list[ScoredSentence] = definitions[:1]
    if leading and not _SAYS_WHAT_IT_IS.search(leading[0].sentence.text):
        leading += [item for item in definitions if _SAYS_WHAT_IT_IS.search(item.sentence.text)][:1]
    prose = [c for c in candidates if not _is_row(evidence, c.sentence)]
    # A penalty a candidate earned for the whole question (the review's methods, not asked about) holds for each part;
    # its bonuses (its passage's rank, among others) were earned by the whole question.
    adjustments = {c.sentence.row: min(0.0, c.score - c.similarity - settings.lexical_weight * c.overlap) for c in prose}
    # A part may be answered where the whole question's passages do not reach ("…and what tissues can they turn into?"):
    # it is scored against all of the review's text.
    pool = each_text_once([*(c.sentence for c in prose), *evidence.prose_sentences]) if query.parts else []
    for number, (text, part) in enumerate(zip(query.reading.parts, query.parts)):
        if number == 0 and definitions:
            continue  # the definition leading the answer answers the part asking what the term is
        # A part that a leading sentence already answers (it uses most of the part's own words) needs no other.
        words = set(lexical.tokenize(text)) - _GENERAL
        # … unless it asks something of its own, in the field's words, that none of them uses ("…and do they survive
        # chemo?" after where the cells sit): what a later part adds to the first it is read with. Its leading sentence
        # must then use some of that.
        own = set(part.tokens) - set(query.parts[0].tokens) - _GENERAL if number else set()
        answered = any(evidence.overlap(words, other.sentence.words) >= settings.part_answered_share for other in leading)
        if answered and (not own or any(own & other.sentence.words for other in leading)):
            continue
        # "What are the main causes … and how often is no cause found?": each part's best sentence leads the answer,
        # judged by what that part asks.
        ranked = [replace(item, score=item.score + adjustments.get(item.sentence.row, 0.0))
                  for item in evidence.score(part, pool, settings.lexical_weight)]
        ranked = _favoured(sorted(ranked, key=lambda item: -item.score), _answer_cues(text, topic, evidence, settings))
        lead = next((item for item in ranked if all(item.sentence.text != other.sentence.text for other in leading)), None)
        if lead is not None and (not answered or own & lead.sentence.words):
            leading.append(lead)
    # "how many ways…?": the numbered lists that may count them join the candidates (see the cue in _answer_cues).
    present = {c.sentence for c in candidates}
    listed = [item for item in counting_lists(query, evidence, settings) if item.sentence not in present]
    candidates = sorted([*candidates, *listed], key=lambda item: -item.score)
    candidates = _favoured(candidates, _answer_cues(query.reading.text, topic, evidence, settings)
                           + _going_on_cues(query, evidence, settings))
    asked = query.reading.asks_sections
    if candidates and asked_as(evidence.index.chunks[candidates[0].sentence.chunk]) in asked:
        # "how was the lit search restricted?": the section asked for by name answers, not a sentence elsewhere that
        # shares a word ("the ongoing search for alternative sources").
        candidates = [c for c in candidates if asked_as(evidence.index.chunks[c.sentence.chunk]) in asked]
    # A prose answer quotes table rows only when a row is the best evidence: a stray row is noise.
    if (leading and not _is_row(evidence, leading[0].sentence)) or (candidates and not _is_row(evidence, candidates[0].sentence)):
        candidates = [c for c in candidates if not _is_row(evidence, c.sentence)]
    margin = settings.explanation_margin if query.reading.explanation else None
    # One fact asked is one fact answered: a how or why question's reasoning, or a compound question's parts, run longer.
    # (Table rows leading are each their own fact.)
    # (A compound question whose parts one sentence answers asks one fact: "how many … have NOA?? like what percent")
    one_fact = not (query.reading.explanation or len(leading) > 1
                    or (candidates and _is_row(evidence, candidates[0].sentence)))
    limit = settings.fact_sentences if one_fact else settings.max_sentences
    chosen = _select(candidates, evidence, settings, limit=limit, margin=margin, leading=leading, topic=topic,
                     explaining=query.reading.explanation)
    return _list_count(query, chosen) + _prose_and_rows(chosen, evidence, settings)


def _listed_in_text(query: Query, table: TableResult, evidence: Evidence, settings: AnswerSettings) -> bool:
    """Whether a count of the distinct values of a column is asked of things that a numbered list of the text counts,
    named otherwise than the column ("induction methods", where "inducers" are the column's values)."""
    if table.query is None or table.query.intent != "values" or table.query.focus:
        return False
    # Conditions every row meets ("the in vitro male germ cell protocols" of Table 1, all male) narrow nothing.
    if table.query.conditions and table.count < sum(len(t.rows) for t in evidence.tables if t.number in table.tables):
        return False
    column = set(lexical.tokenize(table.query.values_field or ""))
    things = set(lexical.tokenize(counted_things(query.reading.text)))
    if not things - column:
        return False
    # The list is of what the question is about: its opening shares the question's other words, if it has any ("how
    # many methods … in the animal models" is not counted by the list of in vitro induction methods).
    about = set(lexical.tokenize(" ".join(salient_words(query.reading.text)))) - things - _GENERAL
    return any(gives_figure_for(query.reading.text, item.sentence.text)
               and (not about or about & set(lexical.tokenize(list_opening(item.sentence.text))))
               for item in counting_lists(query, evidence, settings))


def _list_count(query: Query, chosen: Sequence[Sentence]) -> list[Block]:
    """"How many ways…?" answered by a numbered list: the number first, in a line of our own ("The review lists 7
    different ways."); the list follows as the review has it."""
    things = counted_things(query.reading.text)
    lead = chosen[0] if chosen else None
    if not things or lead is None or not list_opening(lead.text) or not gives_figure_for(query.reading.text, lead.text):
        return []
    numbered = [int(number) for number in re.findall(r"\((\d{1,2})\)", " ".join(s.text for s in chosen))] \
        if "(1)" in lead.text else []  # (the items of the lead's own list, not of another quoted after it)
    count = max(numbered) if numbered else colon_items(lead.text.partition(":")[2])
    return [Summary(f"The review lists {count} {tableanswer.plural(things, count)}.", lead.refs)] if count else []


def _definitions(query: Query, evidence: Evidence, settings: AnswerSettings) -> list[ScoredSentence]:
    """For "what is X?": the review's sentences stating what X is, wherever they are, scored against the question."""
    # What the term is ("manifests as the absence of spermatozoa…", "is defined by…") before what kinds it has
    # ("is classified as…") or how it is regarded ("is considered…").
    cues = _aim_cues(query.reading.text.lower(), settings) + [(_SAYS_WHAT_IT_IS_A.search, settings.figure_bonus),
                                                              (_SAYS_WHAT_IT_IS.search, settings.figure_bonus)]
    return _favoured(evidence.score(query, evidence.definitions(query.reading.defines), settings.lexical_weight), cues)


# Words of the field too general to say what a question is about.
_GENERAL = frozenset(lexical.tokenize("msc mscs mesenchymal stromal stem cell cells therapy therapies treatment treat "
                                      "review study studies azoospermia noa human"))


def _topic(query: Query) -> frozenset[str]:
    """The stems of what a question is about: its salient words, less the field's most general ones."""
    return frozenset(stem for word in salient_words(query.reading.question) for stem in lexical.tokenize(word)) - _GENERAL


def _names_conditions(sentence: Sentence, result: TableResult) -> bool:
    """Whether a sentence names every value a table query asked for (with its field where the value is a number:
    "phase 3")."""
    conditions = result.query.conditions if result.query else ()
    for condition in conditions:
        words = {w for value in condition.values for w in lexical.tokenize(value)}
        if any(w.isdigit() for w in words):
            words |= set(lexical.tokenize(condition.field))
            if not words <= sentence.words:
                return False
        elif not words & sentence.words:
            return False
    return bool(conditions)


# A yes/no question about rows the question itself names, not about the rows of the answer before ("are they all…?").
_ABOUT_EARLIER_ROWS = re.compile(r"\b(?:they|those|these|them|it|all)\b")


def _asks_whether(reading: Reading, result: TableResult) -> bool:
    """A yes/no question that the rows found answer: one question ("does it cure NOA yet? any finished trials?" asks
    more than the rows tell), in the simple tense ("has any trial been finished?" asks about results), naming the rows
    by conditions the tables record all of."""
    asked = reading.question.lower().rstrip(" ?!.")
    query = result.query
    return (query is not None and query.intent == "rows" and bool(query.conditions) and not query.untestable
            and bool(YES_NO.match(asked)) and not asked.startswith(("has ", "have ", "had ")) and "?" not in asked
            and not _ABOUT_EARLIER_ROWS.search(asked))


def _table(result: TableResult, settings: AnswerSettings, reading: Reading | None = None) -> list[Block]:
    # Counts per value answer "by X" questions; rows are written out only when few enough to read.
    counts_only = bool(result.value_counts) and result.count > settings.table_rows
    shown = 0 if counts_only else min(result.count, settings.table_rows)
    if counts_only and 0 < result.listed_rows <= settings.table_rows:
        shown = result.listed_rows  # "allo vs xeno — which were xeno?": the counts, then the rows of the value asked about
    if result.query is not None and result.query.order in ("earliest", "latest") and "Date" in result.columns and result.rows:
        # "the oldest trial": the rows of that date; the others, in date order, stay in the table block.
        date = result.columns.index("Date")
        shown = sum(1 for row in result.rows if row[date] == result.rows[0][date])
    summary = result.summary
    if reading is not None and _asks_whether(reading, result):
        summary = f"{'Yes' if result.count else 'No'}. {summary}"  # "was busulfan used in the animal studies?"
    blocks: list[Block] = [Summary(summary)]
    if result.count:
        blocks.append(TableBlock(result, shown))
    return blocks


def _trial(query: Query, evidence: Evidence, candidates: Sequence[ScoredSentence], settings: AnswerSettings) -> list[Block]:
    blocks: list[Block] = []
    lowered = query.reading.question.lower()
    # The columns asked for, in the order the question asks them ("own cells? and is it done?": transplantation, stage).
    found = {column: match.start() for column, pattern in _TRIAL_COLUMNS.items() if (match := pattern.search(lowered))}
    asked = sorted(found, key=found.get)
    for code in query.reading.trial_codes:
        rows = [(table, row) for table in evidence.tables for row in table.rows
                if any(code == value.strip().upper() for _, value in row.cells)]
        for table in {t.number: t for t, _ in rows}.values():
            own = [row for t, row in rows if t.number == table.number]
            described = "; ".join(_row_in_words(row, asked) for row in own)
            blocks.append(Summary(f"{code} ({table.name}): {described}."))
            blocks.append(TableBlock(tableanswer.quoted_rows(table, own), len(own)))
    mentions = [c for c in candidates if any(code in c.sentence.text.upper() for code in query.reading.trial_codes)
                and not _is_row(evidence, c.sentence)]
    if mentions:
        blocks.append(Prose(tuple(_quote(evidence, c.sentence) for c in mentions[: settings.max_sentences])))
    return blocks


def _row_in_words(row: TableRow, asked: Sequence[str]) -> str:
    """A trial's row in words, the asked-for columns first: "stage Recruiting; Male, Azoospermia, phase 1&2, …"."""
    cells = dict(row.cells)
    first = [f"{column.lower()} {cells[column]}" for column in asked if cells.get(column)]
    rest = [f"{column.lower()} {value}" for column, value in row.cells if column not in asked and column != "CT code" and value]
    return ", ".join(first + rest)


def _card(number: int, query: Query, evidence: Evidence, settings: AnswerSettings) -> ReferenceCard | None:
    reference = evidence.references.get(number)
    if reference is None:
        return None
    citing_positions = evidence.citing.get(number, [])
    sentences = [s for position in citing_positions for s in evidence.by_chunk.get(position, ())
                 if number in s.refs and evidence.index.chunks[position].kind != "abstract"]
    prose = [s for s in sentences if not _is_row(evidence, s)]
    # A question about the work beyond its name ("which model did Sherif use?") orders what cites it by relevance.
    if salient_words(query.reading.text):
        order = {item.sentence.row: rank for rank, item in enumerate(evidence.score(query, prose, settings.lexical_weight))}
        prose.sort(key=lambda s: order[s.row])
    prose = each_text_once(prose)[: settings.card_quotes]
    rows = _rows_of(evidence, [s for s in sentences if _is_row(evidence, s)])
    abstract = " ".join(s.text for position in citing_positions if evidence.index.chunks[position].kind == "abstract"
                        for s in evidence.by_chunk.get(position, ()))
    return ReferenceCard(reference, reference.url, tuple(_quote(evidence, s) for s in prose), rows, abstract)


def _reference(query: Query, evidence: Evidence, settings: AnswerSettings, numbers: Sequence[int] | None = None) -> list[Block]:
    cards = [card for number in (numbers or query.reading.references) if (card := _card(number, query, evidence, settings))]
    if numbers is None and len(cards) > 1:
        cards = _described_first(query, cards, evidence)
    if cards and asks_quantity(query.reading.text):
        # "What fraction of Friedenstein's aspirate was MSCs?": a figure asked of a work is answered by the sentence
        # giving it (the work is among the answer's citations); its other citing sentences would pad the answer.
        giving = next((quote for card in cards for quote in card.citing if gives_figure_for(query.reading.text, quote.text)), None)
        if giving is not None:
            return [Prose((giving,))]
    if cards and _ASKS_OWN_AUTHORS.search(query.reading.text):
        # "ref 122 — isn't that by one of the authors?": its listed authors set against the review's own.
        return [Notice(_own_authors_note(card.reference, evidence), kind="info") for card in cards] + list(cards)
    if _ASKS_DOI.search(query.reading.text) and any(card.reference.doi is None for card in cards):
        # "ref 61 - is there a doi?": the answer is no, said before the card's search link.
        without = ", ".join(f"[{card.reference.number}]" for card in cards if card.reference.doi is None)
        return [Notice(f"The review's entry {without} gives no DOI.", kind="info"), *cards]
    return list(cards)


# Whether a cited work is the review's authors' own: "isn't it by one of the authors?", "a self-citation?"
_ASKS_OWN_AUTHORS = re.compile(r"\b(?:by|from|of|written by)\s+(?:one of\s+)?(?:the|these|this review'?s|the review'?s)\s+(?:same\s+|own\s+)?"
                               r"(?:authors?|team|group)\b|\bself[- ]?cit\w*|\bsame (?:authors?|team|group)\b", re.IGNORECASE)
# Names of one person spelled a little differently in an entry ("Khoradmehar A" for Arezoo Khoradmehr).
_SAME_NAME_RATIO = 0.85


def _own_authors_note(reference: Reference, evidence: Evidence) -> str:
    """Which of a cited work's listed authors are the review's own, as a line."""
    review = _review(evidence)
    own = [(name.split()[-1].lower(), name[0].lower()) for name in re.split(r",\s*|\s+and\s+", review.authors if review else "")
           if name.strip()]
    shared = [author for author in re.split(r",\s*", reference.authors) if author.strip() and author.split()[-1][0].isupper()
              and any(author.split()[-1][0].lower() == initial and
                      difflib.SequenceMatcher(None, author.split()[0].lower(), surname).ratio() >= _SAME_NAME_RATIO
                      for surname, initial in own)]
    if shared:
        return f"Yes: {', '.join(shared)} of [{reference.number}] {'is' if len(shared) == 1 else 'are'} also among this review's authors."
    return f"No: none of the listed authors of [{reference.number}] is among this review's authors."


def _described_first(query: Query, cards: Sequence[ReferenceCard], evidence: Evidence) -> list[ReferenceCard]:
    """Works of one author, the one the question describes first ("the Tamadon paper with BM-MSCs in busulfan hamsters":
    the work whose entry, citing sentences and rows say so); a work described by none of its words is left out when
    another is."""
    described = set(lexical.tokenize(expand_query(query.reading.text, evidence.shortenings)))

    def told(card: ReferenceCard) -> float:
        text = " ".join([card.reference.entry, *(quote.text for quote in card.citing),
                         *(" ".join(map(str, row)) for result in card.rows for row in result.rows)])
        # (The author's name, said of every card, tells none apart.)
        return evidence.overlap(described - set(lexical.tokenize(card.reference.first_author)), set(lexical.tokenize(text)))

    shares = {card.reference.number: told(card) for card in cards}
    ranked = sorted(cards, key=lambda card: shares[card.reference.number], reverse=True)
    return [card for card in ranked if shares[card.reference.number] > 0] if shares[ranked[0].reference.number] > 0 else ranked


# A figure a question quotes ("13.4%", "1:30", "7.6"): not a reference number or a year on its own.
_QUOTED_FIGURE = re.compile(r"\d+(?:[.,]\d+)+%?|\d+%|\d+:\d[\d,]*")


def found_references(query: Query, hits: Sequence[Hit], candidates: Sequence[ScoredSentence], table: TableResult | None,
                     evidence: Evidence, settings: AnswerSettings) -> tuple[int, ...]:
    """The cited works a question describes without naming them: the references of the table rows it describes, or
    the better match of a reference entry (title, journal, authors) and of a sentence citing a work."""
    # "who first reported that…, and in what year?": what marks an answer (a date) marks the sentence citing the work.
    cues = _answer_cues(query.reading.text, _topic(query), evidence, settings)
    citing = _favoured([c for c in candidates if c.sentence.refs], cues)
    if table is not None and table.count:
        # "which study looked at miRNA changes in busulfan rats?": a term the rows do not record ("miRNA") is told by
        # the sentence citing the work, not by the rows of every busulfan rat study.
        # (A term of art, that no row of any table uses.)
        unrecorded = {stem for word in salient_words(query.reading.question) if english_zipf(word) < settings.everyday_zipf
                      for stem in lexical.tokenize(word)} - evidence.row_words - _GENERAL
        telling = next((c for c in citing if not _is_row(evidence, c.sentence) and unrecorded & c.sentence.words), None)
        return telling.sentence.refs[: settings.found_references] if telling else table.refs[: settings.found_references]
    entries = [s for hit in hits if hit.chunk.kind == "reference" for s in evidence.by_chunk.get(hit.position, ())]
    best_entry = next(iter(evidence.score(query, entries, settings.lexical_weight)), None)
    # "which paper gives the 13.4% number?": the sentence stating the figure quoted names the work.
    figures = _QUOTED_FIGURE.findall(query.reading.text)
    best_citing = next((c for c in citing if figures and all(figure in c.sentence.text for figure in figures)),
                       next(iter(citing), None))
    if best_entry is not None and (best_citing is None or best_entry.score >= best_citing.score - settings.entry_margin):
        return (evidence.index.chunks[best_entry.sentence.chunk].ref,)
    return best_citing.sentence.refs[: settings.found_references] if best_citing else ()


def _cue_candidates(query: Query, evidence: Evidence, cue: re.Pattern, settings: AnswerSettings) -> list[ScoredSentence]:
    """Sentences of the review's text carrying a cue, scored against the question."""
    pool = [s for s in evidence.quotable(range(len(evidence.index.chunks)), query.reading.asks_sections)
            if evidence.index.chunks[s.chunk].kind == "prose" and cue.search(s.text) and not s.gate]
    return _favoured(evidence.score(query, pool, settings.lexical_weight), _aim_cues(query.reading.text.lower(), settings))


def _limitations(query: Query, candidates: Sequence[ScoredSentence], evidence: Evidence,
                 settings: AnswerSettings) -> list[Block]:
    if query.reading.advantages:
        return _prose_and_rows(_select(_cue_candidates(query, evidence, _ADVANTAGE_CUES, settings), evidence, settings),
                               evidence, settings)
    if query.reading.pros_and_cons:
        advantages = _select(_cue_candidates(query, evidence, _ADVANTAGE_CUES, settings), evidence, settings, limit=2)
        risks = _select(_cue_candidates(query, evidence, _RISK_CUES, settings), evidence, settings, limit=2)
        blocks: list[Block] = []
        if advantages:
            blocks.append(Prose(tuple(_quote(evidence, s) for s in advantages), heading="Advantages"))
        if risks:
            blocks.append(Prose(tuple(_quote(evidence, s) for s in risks), heading="Risks and drawbacks"))
        return blocks
    asked = [section for section in query.reading.asks_sections if section in METHODS_SECTIONS]
    topic: frozenset[str] = frozenset()
    if asked:
        # "limitations of the review's search": what bounds it is what its methods say it kept and left out.
        pool = _strand_sentences(query, evidence, asked, settings)
    else:
        # "what gaps…?", "why couldn't they rank…?" are answered by what is missing; risks only when they are asked.
        cues = _LIMITATION_CUES if _ASKS_RISK.search(query.reading.text.lower()) else _GAP_CUES
        pool = _cue_candidates(query, evidence, cues, settings)
        if cues is _LIMITATION_CUES and pool:
            # A risk is told where the review discusses that risk: a sentence elsewhere that merely shares a risk word
            # ("aspiration is the most traumatic way…" under the sources) pads an answer on the therapy's safety.
            section = evidence.index.chunks[pool[0].sentence.chunk].section
            pool = [c for c in pool if evidence.index.chunks[c.sentence.chunk].section == section]
        if cues is _GAP_CUES:
            # A statement of advantages is no gap, whatever word of doubt it uses ("limited replicative lifespan").
            pool = [c for c in pool if not _STATES_ADVANTAGES.search(c.sentence.text)]
            pool = _favouring(pool, _GAP_STATEMENTS.search, settings.judgement_bonus)
            # "why can't they say which source is best?": a further gap is one of that subject, not any of the review's.
            topic = _topic(query)
        # "the biggest gap in the human evidence": the gaps of that strand of the review first.
        sections = {section for label, _, sections in STRANDS if label in query.reading.strands for section in sections}
        pool = [c for c in pool if evidence.index.chunks[c.sentence.chunk].section in sections] or pool
    pool = _favoured(pool, _going_on_cues(query, evidence, settings))
    lowered = query.reading.question.lower()
    pool = _favoured(pool, _superlative_cues(lowered, settings))
    limit = settings.fact_sentences if _ASKS_SUPERLATIVE.search(lowered) else None
    return _prose_and_rows(_select(pool, evidence, settings, limit=limit, margin=settings.synthesis_margin, topic=topic),
                           evidence, settings)


def _strand_sentences(query: Query, evidence: Evidence, sections: Sequence[str], settings: AnswerSettings,
                      strand: re.Pattern | None = None) -> list[ScoredSentence]:
    """Whole sentences of these sections (a summary quotes sentences, not the fragments of a list), scored. For a strand
    of studies (its pattern given), also the review's abstract's sentences on that strand: its own summing up of it."""
    positions = [i for i, chunk in enumerate(evidence.index.chunks) if chunk.kind == "prose" and chunk.section in sections]
    pool = [s for s in evidence.quotable(positions, query.reading.asks_sections)
            if not _LIST_ITEM.match(s.text) and (not s.text.endswith(";") or _LIST_OPENER.search(s.text))]
    if strand is not None:
        pool += [s for s in _abstract_sentences(evidence) if strand.search(s.text.lower())]
    return evidence.score(query, pool, settings.lexical_weight)


def _abstract_sentences(evidence: Evidence) -> list[Sentence]:
    positions = [i for i, chunk in enumerate(evidence.index.chunks) if chunk.kind == "prose" and chunk.section == "Abstract"]
    return each_text_once(s for position in positions for s in evidence.by_chunk.get(position, ()))


def _abbreviations(query: Query, evidence: Evidence, settings: AnswerSettings) -> list[Block]:
    """"What does SSF stand for?": the entries of the review's list of abbreviations that the question names, and the
    sentence introducing the term; not the whole list."""
    named = [abbreviation for abbreviation in evidence.abbreviations
             if re.search(rf"(?<![\w-]){re.escape(abbreviation)}s?(?![\w-])", query.reading.question)]
    if not named:
        return []
    section = next(chunk for chunk in evidence.index.chunks if asked_as(chunk) == "Abbreviations")
    entries = tuple(Quote(f"{abbreviation}: {evidence.abbreviations[abbreviation]}", (), section.id, section.section)
                    for abbreviation in named)
    introduced = [s for abbreviation in named for s in evidence.definitions(abbreviation)][: settings.definition_sentences]
    return [Prose(entries)] + ([Prose(tuple(_quote(evidence, s) for s in introduced))] if introduced else [])


def _sections(query: Query, candidates: Sequence[ScoredSentence], evidence: Evidence, settings: AnswerSettings) -> list[Block]:
    """Short sections asked for by name ("who funded the review?", "…and any conflicts of interest?") quoted as the review
    has them, each from its start, in the order the question asks for them (the best candidate's first, else)."""
    chunks = evidence.index.chunks
    asked = [chunks[c.sentence.chunk] for c in candidates] + list(chunks)
    by_name = {chunk.section: asked_as(chunk) for chunk in asked
               if asked_as(chunk) in query.reading.asks_sections and section_gate(chunk) == ADMIN}
    lowered = query.reading.question.lower()

    def where_asked(section: str) -> int:
        named = ADMIN_SECTIONS.get(by_name[section])
        found = named.search(lowered) if named else None
        return found.start() if found else len(lowered)

    names = sorted(by_name, key=where_asked)
    blocks: list[Block] = []
    for section in names:
        told = each_text_once(s for position, chunk in enumerate(chunks) if chunk.section == section
                              for s in evidence.by_chunk.get(position, ()))
        blocks.append(Prose(tuple(_quote(evidence, s) for s in _within(told, settings.max_chars // len(names)))))
    return blocks


def _within(sentences: Sequence[Sentence], max_chars: int) -> list[Sentence]:
    """The first sentences, in order, while they fit in `max_chars` (the first always)."""
    chosen, length = [], 0
    for sentence in sentences:
        if chosen and length + len(sentence.text) > max_chars:
            break
        chosen.append(sentence)
        length += len(sentence.text)
    return chosen


# A sentence telling a step of a procedure: it opens with a step word, or says what is done to the material.
_STEP = re.compile(r"^(?:Next|Then|After(?:wards)?|Finally|First|Subsequently)\b|\b(?:is|are|was|were) (?:\w+ )?(?:removed|washed"
                   r"|lysed|centrifuged|incubated|filtered|digested|separated|placed|mixed|collected|infiltrated|aspirated"
                   r"|suspended|cultured|discarded|divided)\b")


def _procedure(query: Query, candidates: Sequence[ScoredSentence], evidence: Evidence, settings: AnswerSettings) -> list[Block]:
    """A procedure told from the section that describes it: its best sentences, in the order the review gives them."""
    prose = [c for c in candidates if not _is_row(evidence, c.sentence)]
    if not prose:
        return _fact(query, candidates, evidence, settings)
    # The section that describes it: where the best few sentences mostly are, not where the single best one is.
    # Each counts by how far it stands above the last of them: a section of many middling sentences does not outweigh
    # the one that tells the procedure.
    best = prose[: settings.procedure_sentences]
    weight: dict[str, float] = {}
    for item in best:
        section = evidence.index.chunks[item.sentence.chunk].section
        weight[section] = weight.get(section, 0.0) + item.score - best[-1].score
    # The steps each section tells, in the review's order ("…infiltrated…", "…separated into 3 layers…", "…are
    # removed…", "…is washed…", "Next, … is lysed…"): a section telling them outweighs one that only names the procedure.
    told_in = {section: _strand_sentences(query, evidence, (section,), settings) for section in weight}
    steps_in = {section: sorted({item.sentence.text: item.sentence for item in told
                                 if _STEP.search(item.sentence.text)}.values(), key=lambda s: s.row)
                for section, told in told_in.items()}
    section = max(weight, key=lambda section: (len(steps_in[section]) >= settings.procedure_min_steps, weight[section]))
    longer = settings.model_copy(update={"max_chars": settings.procedure_chars})
    told, steps = told_in[section], steps_in[section]
    # The steps themselves when the section tells them; else its best sentences.
    if len(steps) >= settings.procedure_min_steps:
        return [Prose(tuple(_quote(evidence, s) for s in _within(steps[: settings.procedure_sentences], settings.procedure_chars)))]
    chosen = _select(told, evidence, longer, limit=settings.procedure_sentences, margin=settings.synthesis_margin)
    return [Prose(tuple(_quote(evidence, s) for s in sorted(chosen, key=lambda s: s.row)))]


def _summary(query: Query, candidates: Sequence[ScoredSentence], evidence: Evidence, settings: AnswerSettings) -> list[Block]:
    reading = query.reading
    if reading.procedure:
        return _procedure(query, candidates, evidence, settings)
    if _CONCLUDE.search(reading.text.lower()) and not reading.strands:
        # "what did they conclude about which source to use?": the conclusion that recommends one leads.
        # "the main conclusion in simple words": what it found, what is missing and what it recommends, not its hopes.
        concludes = _RECOMMENDS.search if JUDGEMENT.search(reading.text.lower()) else \
            (lambda text: _tells_findings(text) or bool(_RECOMMENDS.search(text)))
        cues = [(concludes, settings.judgement_bonus)]
        conclusions = _favoured(_strand_sentences(query, evidence, ("Conclusions",), settings), cues)
        return _prose_and_rows(_select(conclusions, evidence, settings, margin=settings.synthesis_margin), evidence, settings)
    aims = _aims(query, evidence, settings) if _ASKS_OWN_AIM.search(reading.text.lower()) and not reading.strands else []
    if aims:  # "what is the aim of the review?": its own statements of its aim, the closest first
        return [Prose(tuple(_quote(evidence, item.sentence) for item in aims[: settings.aim_sentences]))]
    topic = [w for w in salient_words(reading.text) if w not in _SUMMARY_WORDS]
    if not reading.strands and topic:
        # "summarize what the review says about exosomes": its best sentences on the topic, text before table rows.
        prose = _favoured([c for c in candidates if not _is_row(evidence, c.sentence)],
                          _answer_cues(reading.text, _topic(query), evidence, settings))
        rows = [c.sentence for c in candidates if _is_row(evidence, c.sentence)][: settings.summary_rows]
        return _prose_and_rows(_select(prose, evidence, settings, margin=settings.synthesis_margin,
                                       explaining=reading.explanation) + rows, evidence, settings)
    strands = [strand for strand in STRANDS if not reading.strands or strand[0] in reading.strands]
    quotes = []
    if _ASKS_AIM.search(reading.text.lower()) and not reading.strands:
        # "what is this paper about?": the review's own statement of its aim comes first.
        quotes += [_quote(evidence, item.sentence, "Aim") for item in _aims(query, evidence, settings)[:1]]
    findings_asked = len(strands) == 1 and bool(_FINDINGS_ASKED.search(reading.question.lower())) and not reading.explanation
    for label, pattern, sections in strands:
        # A strand is summed up by what its studies found ("…have been differentiated into germ cells…"), not by
        # whatever sentence of it happens to share the question's few words.
        # "what did the animal studies find?": a numbered list (of mechanisms, say), quoted whole, would be all of
        # the answer; what the studies found is told by the sentences summing them up.
        told = _strand_sentences(query, evidence, sections, settings, strand=pattern)
        # (A numbered list, quoted whole, is no one line of a whole review's summing up, nor what studies found.)
        pool = [item for item in told if not ((findings_asked or len(strands) > 1) and _LISTS.search(item.sentence.text))]
        # What its studies found, when the review says so: not how they went about it ("…have been evaluated…").
        pool = [item for item in pool if _tells_findings(item.sentence.text)] or pool
        # That none has been published is what the human studies found, before what they might show.
        pool = _favouring(pool, NO_HUMAN_EVIDENCE.search, settings.judgement_bonus)
        if len(strands) > 1:  # one line for the strand: not one going on from another ("As well, …")
            pool = [item for item in pool if not _GOES_ON.match(item.sentence.text)] or pool
        best = _select(pool, evidence, settings,
                       limit=1 if len(strands) > 1 else settings.max_sentences - 1, margin=settings.synthesis_margin)
        if len(strands) == 1:
            # One strand summed up: the kinds of study it holds, when the review lists them in one sentence ("…(1)
            # retinoic acid, … (7) gene over-expression (Table 1)."), follow what it found.
            kinds = [item.sentence for item in told if _LIST_OPENER.search(item.sentence.text)
                     and not item.sentence.text.endswith(";") and item.sentence not in best][:1]
            best = best[:1] + kinds + best[1:len(best) - len(kinds)] if kinds else best
        # A sentence going on from another ("As well, …", "On the other hand, …") does not open a strand's summing up.
        best = sorted(best, key=lambda sentence: bool(_GOES_ON.match(sentence.text)))
        quotes += [_quote(evidence, s, label) for s in best]
    if len(strands) == len(STRANDS):
        quotes += _title_themes(query, evidence, quotes, settings)
        # The whole review summed up ends with what it concludes: its recommendation.
        conclusions = _favouring(_strand_sentences(query, evidence, ("Conclusions",), settings), _RECOMMENDS.search,
                                 settings.judgement_bonus)
        quotes += [_quote(evidence, item.sentence, "Conclusion") for item in conclusions[:1]]
    blocks: list[Block] = [Prose(tuple(quotes))] if quotes else []
    tally = _tables_tally(evidence, [label for label, _, _ in strands])
    if tally:
        blocks.append(Summary(tally))
    return blocks


def _title_themes(query: Query, evidence: Evidence, quotes: Sequence[Quote], settings: AnswerSettings) -> list[Quote]:
    """The review's gist covers what its title names ("…cells and their exosomes…"): a theme of the title that no
    quote names is told by the abstract's best sentence naming it, labelled with it."""
    # (What a concessive clause mentions, "Despite numerous advances … with MSCs or their exosomes, …", is background.)
    said = {stem for quote in quotes
            for stem in lexical.tokenize(spelled_out(_CONCEDES.sub("", quote.text), evidence.shortenings))}
    subject = _review_title(evidence)
    themes = {stem: word for word in re.findall(r"[\w-]+", subject) for stem in lexical.tokenize(word) if stem not in said}
    told = []
    for stem, word in themes.items():
        naming = [s for s in _abstract_sentences(evidence) if stem in s.words]
        told += [_quote(evidence, item.sentence, word.capitalize())
                 for item in evidence.score(query, naming, settings.lexical_weight)[:1]]
    return told


# What a study strand found: the sentences that sum it up.
_FINDINGS = re.compile(r"\b(?:showed|shown|demonstrat\w*|differentiated into|ha(?:ve|s) been (?:differentiated|published|reported|recruited|registered)"
                       r"|induction)\b", re.IGNORECASE)
def _tells_findings(text: str) -> bool:
    """What a strand of studies found, or that no human study has been published: what sums it up."""
    return bool(_FINDINGS.search(text) or NO_HUMAN_EVIDENCE.search(text))


# Asking what studies found, not how they went about it.
_FINDINGS_ASKED = re.compile(r"\b(?:found|find|findings?|show(?:ed|n)?|results?|outcomes?|work(?:ed|s)?|evidence)\b")
# Asking what the review sets out to do, and the sentences where it says so.
_ASKS_AIM = re.compile(r"\b(?:about|aims?|purpose|goals?|objectives?|trying to|tries to|sets? out|point of)\b")
# What a question sets aside: "besides germ cells", "other than bone marrow", "(not germ cells)", "without stem cells".
_BESIDES = re.compile(r"(?:\b(?:besides|other than|apart from|aside from|except(?: for)?|without)|\(\s*not)\s+(?P<what>[\w-]+(?:\s+[\w-]+)?)")
# Asking what this review itself sets out to do ("what was the research question of the review?").
_ASKS_OWN_AIM = re.compile(r"\b(?:aims?|purpose|goals?|objectives?|research question|trying to|tries to|sets? out|point of)\b")
_ASKS_WHAT_ABOUT = re.compile(r"\b(?:paper|review|article|it) (?:is |was )?about\b")
_STATES_AIM = re.compile(r"\b(?:this|the present|our) (?:systematic )?review (?:attempts|aims|was done|is|seeks|tries|investigates)",
                         re.IGNORECASE)
# Words of a summary request that name no topic.
_SUMMARY_WORDS = frozenset("summarize summarise summary overview overall gist conclusion conclusions conclude concluded "
                           "findings finding main key points takeaways takeaway state field research msc mscs therapy "
                           "azoospermia noa stem cells cell sentences sentence words lines paragraph short brief briefly "
                           "quick quickly simple simply plain like few couple current currently now stand sum up "
                           "evidence".split())


def _aims(query: Query, evidence: Evidence, settings: AnswerSettings) -> list[ScoredSentence]:
    """The review's statements of its own aim, best first (one is its methods' focused question)."""
    return evidence.score(query, [s for s in evidence.sentences if _STATES_AIM.search(s.text) and s.gate != ADMIN],
                          settings.lexical_weight)


# What a strand's table is told by when that strand alone is summed up: the columns whose values say what was studied.
_STRAND_COLUMNS = {"In vitro": (1, ("species", "source")), "Animal models": (3, ("model", "species", "therapeutic", "transplantation"))}


def _tables_tally(evidence: Evidence, strands: Sequence[str]) -> str:
    """How many rows each table gives to the strands summarised, in a line; for one strand, what its rows hold."""
    counts = {table.number: len(table.rows) for table in evidence.tables}

    def held(strand: str) -> str:
        if len(strands) != 1 or strand not in _STRAND_COLUMNS:
            return ""
        number, fields = _STRAND_COLUMNS[strand]
        tallies = tableanswer.column_tallies(evidence.tables, number, fields)
        return f" — {tallies}" if tallies else ""

    parts = []
    if "In vitro" in strands and (1 in counts or 2 in counts):
        parts.append(f"{counts.get(1, 0)} in vitro rows on male germ cells (Table 1{held('In vitro')}) and {counts.get(2, 0)} "
                     f"on female (Table 2)")
    if "Animal models" in strands and 3 in counts:
        parts.append(f"{counts[3]} animal-model rows (Table 3{held('Animal models')})")
    if "Human studies" in strands and 4 in counts:
        trials = next(t for t in evidence.tables if t.number == 4)
        male = sum(1 for row in trials.rows if "Azoospermia" in dict(row.cells).get("Disease/syndrome", ""))
        parts.append(f"{counts[4]} registered trials (Table 4), {male} of them for azoospermia")
    return "The review's tables hold " + "; ".join(parts) + "." if parts else ""


def _compare(query: Query, candidates: Sequence[ScoredSentence], evidence: Evidence, settings: AnswerSettings) -> list[Block]:
    sides = query.reading.sides[:2]
    mentions = _side_mentions(evidence, sides)
    pool = evidence.score(query, evidence.quotable(range(len(evidence.index.chunks)), query.reading.asks_sections),
                          settings.lexical_weight)
    pool = each_text_once((item for item in pool if not _is_row(evidence, item.sentence) and not item.sentence.gate),
                          text=lambda item: item.sentence.text)
    named = {item.sentence.row: mentions(item.sentence) for item in pool}
    # A sentence naming both sides compares them only when it says how they differ ("…whereas…", "easier than"):
    # "Azoospermia is classified as obstructive and non-obstructive" merely names them. Asked for figures ("how many in
    # NLM vs IRCT?"), a sentence giving them for both sides compares them.
    counted = asks_quantity(query.reading.text)
    both = [item for item in pool if all(named[item.sentence.row]) and (
        _COMPARES.search(item.sentence.text) or counted and gives_figure_for(query.reading.text, item.sentence.text))]
    if JUDGEMENT.search(query.reading.text.lower()):
        # "…or is bone marrow better?": the review's recommendation, whichever side it names, answers first —
        # a recommendation about the question itself (within the margin of the best sentence).
        floor = (pool[0].score if pool else 0.0) - settings.extra_margin
        recommends = [item for item in pool if _RECOMMENDS.search(item.sentence.text) and item.score >= floor
                      and any(named[item.sentence.row])]
        both = recommends[:1] + [item for item in both if item not in recommends[:1]]
    lines: list[tuple[ScoredSentence, str]] = [(item, "Both") for item in both[:2]]
    used = {item.sentence.row for item, _ in lines}
    for index, side in enumerate(sides):
        # A side's own line: a sentence naming it and not the other side, if there is one.
        own = [item for item in pool if named[item.sentence.row][index] and item.sentence.row not in used]
        alone = [item for item in own if sum(named[item.sentence.row]) == 1]
        if own:
            chosen = (alone or own)[0]
            lines.append((chosen, side))
            used.add(chosen.sentence.row)
    # What the sides are compared on ("which is more traumatic?"): the question's words that name neither side. The
    # lines that mostly speak to it come first.
    # Each aspect word is spoken to in its own words, or, one the review never uses, in the review's words for it
    # ("harder": "most traumatic", "easier").
    side_words = set().union(*(_side_words(evidence, side) for side in sides))
    spelled = {stem: {stem} | set(lexical.tokenize(expand_query(stem, evidence.shortenings)))
               for stem in _topic(query) - evidence.topic_words}
    asked = {stem: words for stem, words in spelled.items() if not side_words & words}  # ("fat" is the side "adipose tissue")
    aspect = {stem: {stem} if stem in evidence.rows_with else words for stem, words in asked.items()
              if any(word in evidence.rows_with for word in words)}  # (no line says "belly")

    weights = {stem: max(evidence.weight(word) for word in words) for stem, words in aspect.items()}
    total = sum(weights.values())

    def spoken(sentence: Sentence) -> float:
        return sum(weights[stem] for stem, words in aspect.items() if words & sentence.words) / total if total else 0.0

    lines.sort(key=lambda line: spoken(line[0].sentence) < settings.aspect_min_share)
    if asked and lines:
        # A line neither speaking to what is compared nor close to the best line is padding, however well it names a side.
        best = max(item.score for item, _ in lines)
        lines = [(item, label) for item, label in lines if spoken(item.sentence) > 0 or item.score >= best - settings.extra_margin]
    if counted:
        # "How much denser are MSCs in fat than in marrow?": the lines giving the figures answer; the rest pad them.
        lines = [line for line in lines if gives_figure_for(query.reading.text, line[0].sentence.text)] or lines
    quotes = [_quote(evidence, item.sentence, label) for item, label in lines]
    return [Prose(tuple(quotes))] if quotes else _fact(query, candidates, evidence, settings)


def _side_mentions(evidence: Evidence, sides: Sequence[str]):
    """A test of which compared sides a sentence names, each by the words that tell it from the others.

    The review's subject words ("MSCs", "azoospermia") tell no side apart, and neither do words the sides share;
    a side whose words lie inside another's ("obstructive" in "non-obstructive azoospermia") is named only where
    its words stand outside the other's phrase. A side typed as an abbreviation is its spelled-out phrase ("OA vs NOA":
    "obstructive azoospermia" lies inside "non-obstructive azoospermia")."""
    stems = [_side_words(evidence, side) for side in sides]
    abbreviations = {**FIELD_ABBREVIATIONS, **evidence.shortenings}
    phrases = [abbreviations.get(side.strip(), side) for side in sides]
    literal = [lexical.tokenize(phrase) for phrase in phrases]
    spans: list[list[re.Pattern[str]]] = [[] for _ in sides]  # per side: other sides' phrases that contain its words
    heads: list[set[str]] = [set() for _ in sides]
    for index, words in enumerate(literal):
        for j, other in enumerate(literal):
            if j != index and words and set(words) < set(other):
                spans[index].append(_phrase_pattern(phrases[j], words))
                # "obstructive vs non-obstructive azoospermia": the words after the shared ones belong to both sides.
                heads[j].update(other[max(other.index(word) for word in words) + 1:])
    distinct = []
    for index, own in enumerate(stems):
        others = set().union(*(other for j, other in enumerate(stems) if j != index)) | heads[index]
        inside = set(literal[index]) - heads[index] if spans[index] else set()  # told only by its own phrase's words
        distinct.append(inside or own - others - evidence.topic_words or own - others or set(literal[index]) - heads[index])

    def named(sentence: Sentence) -> tuple[bool, ...]:
        found = []
        for index in range(len(sides)):
            words = sentence.words
            if spans[index]:
                text = sentence.text
                for pattern in spans[index]:
                    text = pattern.sub(" ", text)
                words = frozenset(lexical.tokenize(text))
            found.append(bool(distinct[index] & words))
        return tuple(found)

    return named


def _phrase_pattern(phrase: str, inner: Sequence[str]) -> re.Pattern[str]:
    """The words of `phrase` up to the last of `inner`'s, as written with spaces or hyphens ("non-obstructive")."""
    surface = re.findall(r"\w+", phrase)
    last = max(i for i, word in enumerate(surface) if set(lexical.tokenize(word)) & set(inner))
    return re.compile(r"\b" + r"[\s-]+".join(map(re.escape, surface[: last + 1])) + r"\w*", re.IGNORECASE)


_NEGATIONS = frozenset({"non", "not", "without", "un"})


def _side_words(evidence: Evidence, phrase: str) -> set[str]:
    """Lexical stems standing for a compared side: its words, and the abbreviations whose expansion contains them
    ("adipose tissue" → AT-MSC, whose expansion is "adipose tissue-derived mesenchymal…")."""
    words = set(lexical.tokenize(expand_query(phrase, evidence.shortenings)))
    own = set(lexical.tokenize(phrase))
    for abbreviation, expansion in {**FIELD_ABBREVIATIONS, **evidence.shortenings}.items():
        spelled = set(lexical.tokenize(expansion))
        # Not an expansion that negates the phrase: NOA, "non-obstructive azoospermia", does not stand for "obstructive".
        if own and own <= spelled and not (spelled - own) & _NEGATIONS:
            words.update(lexical.tokenize(abbreviation))
    return words


def _declined(query: Query, coverage: Coverage, evidence: Evidence, settings: AnswerSettings) -> list[Block]:
    reading = query.reading
    subject = ", ".join((*reading.trial_codes, *(f"[{n}]" for n in reading.references)))
    if reading.trial_codes and not any(code in c.text.upper() for c in evidence.index.chunks for code in reading.trial_codes):
        text = f"The review does not list {subject}."
    elif coverage.reason == "outcome" and subject:
        listed = any(isinstance(b, TableBlock) for b in _trial(query, evidence, (), settings))
        text = f"The review does not report {coverage.unreported} for {subject}; " + (
            "it lists the trial as below." if listed else "it only mentions the trial.")
    elif coverage.reason in ("outcome", "untried"):
        # What was done to people: the review's own statement on human evidence is shown, however it is worded.
        text = (f"The review does not report {coverage.unreported} after MSC treatment in people." if coverage.reason == "outcome"
                else f"The review reports no study of {coverage.unreported} in people.")
        blocks = [Notice(text)]
        if coverage.closest is not None:
            blocks.append(Prose((_quote(evidence, coverage.closest.sentence),), heading=CLOSEST_LEAD))
        return blocks
    elif coverage.reason == "quantity":
        text = "The review gives no figure for this."
    elif coverage.reason == "treatment":
        text = f"The review does not assess whether {coverage.unreported} works: it reviews MSCs and their exosomes."
    elif coverage.missing:
        # Every word the review does not use, as the question has them ("quantum or entanglement").
        # The terms that decided it; everyday wording only when nothing else is missing ("laptop", not "whats, laptop").
        words = [w for w in salient_words(reading.question) if w in coverage.missing] or list(coverage.missing)
        # Terms of art are named ("letrozole or endometriosis"); everyday words are no topic ("won, fifa or cup"): a
        # question of them that nothing in the review comes close to is off its subject, which its title says.
        terms = [w for w in words if english_zipf(w) < settings.everyday_zipf]
        if terms or (coverage.reason == "vocabulary" and coverage.best >= settings.min_evidence):
            text = f"The review does not discuss {_joined([_as_typed(w, reading.question) for w in terms or words], 'or')}."
        elif coverage.best < settings.min_evidence:
            text = f"The review does not cover this: it is about {_subject_of(evidence)}."
        else:  # its passages do not cover what is asked, and no word of it is a topic to name ("…come back…")
            text = "The review does not seem to answer this question."
    elif subject:
        asked = [w for w in salient_words(reading.question) if w.upper() not in reading.trial_codes]
        text = f"The review does not report {' '.join(asked) or 'that'} for {subject}."
    else:
        text = "The review does not seem to answer this question."
    blocks: list[Block] = [Notice(text)]
    if reading.trial_codes:
        blocks += [b for b in _trial(query, evidence, (), settings) if not isinstance(b, Prose)]
    elif reading.references:
        blocks += _reference(query, evidence, settings)
    elif coverage.closest is not None and coverage.closest.score >= settings.closest_floor and coverage.closest.overlap > 0 \
            and not _is_row(evidence, coverage.closest.sentence):
        # Shown only when close and sharing a word of the question: a merely similar sentence misleads, and so does a
        # table row (a study's design, where its results were asked).
        blocks.append(Prose((_quote(evidence, coverage.closest.sentence),), heading=CLOSEST_LEAD))
    return blocks


def _as_typed(word: str, question: str) -> str:
    """A word as the question has it ("Klinefelter", "PRP"), not lower-cased."""
    typed = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", question, re.IGNORECASE)
    return typed.group(0) if typed else word


def _review(evidence: Evidence) -> Document | None:
    """The review's own document (not a cited work's abstract)."""
    return next((document for document in evidence.index.documents if document.references), None)


def _review_title(evidence: Evidence) -> str:
    """The review's title before its genre ("…: a systemic review"), or ""."""
    review = _review(evidence)
    return review.title.split(":")[0].strip() if review is not None else ""


def _subject_of(evidence: Evidence) -> str:
    """What the review is about, in its title's words ("mesenchymal stromal/stem cells and their exosomes for …")."""
    title = _review_title(evidence)
    return title[:1].lower() + title[1:] if title else "what it reviews"


def _joined(words: Sequence[str], conjunction: str) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {conjunction} {words[-1]}"


# --- the answer ----------------------------------------------------------------------------


def block_refs(block: Block) -> tuple[int, ...]:
    """The references a block cites, in reading order."""
    if isinstance(block, Summary):
        return block.refs
    if isinstance(block, Prose):
        return tuple(ref for quote in block.quotes for ref in quote.refs)
    if isinstance(block, TableBlock):
        return tuple(ref for refs in block.result.row_refs[: block.shown] for ref in refs)
    if isinstance(block, ReferenceCard):
        return (block.reference.number, *(ref for quote in block.citing for ref in quote.refs),
                *(ref for result in block.rows for refs in result.row_refs for ref in refs))
    return ()


def _citations(blocks: Sequence[Block], references: dict[int, Reference]) -> tuple[Citation, ...]:
    numbers = dict.fromkeys(ref for block in blocks for ref in block_refs(block))
    return tuple(Citation(n, references[n].entry, references[n].doi, references[n].url)
                 for n in numbers if n in references)


def _quoted_texts(blocks: Sequence[Block]) -> set[str]:
    texts = set()
    for block in blocks:
        if isinstance(block, Prose):
            texts.update(quote.text for quote in block.quotes)
        elif isinstance(block, ReferenceCard):
            texts.update(quote.text for quote in block.citing)
    return texts


def compose(query: Query, hits: Sequence[Hit], candidates: Sequence[ScoredSentence], coverage: Coverage,
            table: TableResult | None, evidence: Evidence, settings: AnswerSettings) -> Answer:
    """The answer to a query from its passages, its scored candidate sentences and, for a table question, its table result."""
    reading = query.reading
    if not coverage.covered:
        blocks = _declined(query, coverage, evidence, settings)
    elif table is not None and not reading.reference_search and _listed_in_text(query, table, evidence, settings):
        # "how many induction methods are there?": the review's own numbered list counts them; the table's distinct
        # values (every inducer of every row) follow as its tally.
        blocks = _fact(query, candidates, evidence, settings) + [Summary(table.summary), TableBlock(table, 0)]
    elif table is not None and not reading.reference_search:
        blocks = _table(table, settings, reading)
        if not table.count:  # no row answers: say so, then what the text says of the same thing, if anything
            prose = [c for c in candidates if not _is_row(evidence, c.sentence) and _names_conditions(c.sentence, table)]
            blocks += _fact(query, prose, evidence, settings) if prose else []
    elif reading.intent == "trial":
        blocks = _trial(query, evidence, candidates, settings)
    elif reading.intent == "reference" and reading.reference_search:
        blocks = _reference(query, evidence, settings, found_references(query, hits, candidates, table, evidence, settings))
    elif reading.intent == "reference":
        blocks = _reference(query, evidence, settings)
    elif reading.intent == "limitations":
        blocks = _limitations(query, candidates, evidence, settings)
    elif reading.intent == "summary":
        blocks = _summary(query, candidates, evidence, settings)
    elif reading.intent == "compare":
        blocks = _compare(query, candidates, evidence, settings)
    elif candidates and asked_as(evidence.index.chunks[candidates[0].sentence.chunk]) in reading.asks_sections \
            and section_gate(evidence.index.chunks[candidates[0].sentence.chunk]) == ADMIN:
        blocks = _abbreviations(query, evidence, settings) or _sections(query, candidates, evidence, settings)
    else:
        blocks = _fact(query, candidates, evidence, settings)
    if not blocks:
        # Nothing quotable came of the evidence (fragments that cannot be read alone): the question is not answered.
        coverage = replace(coverage, covered=False, reason="evidence")
        blocks = _declined(query, coverage, evidence, settings)
    quoted = _quoted_texts(blocks)
    row_ids = {row_id for block in blocks if isinstance(block, TableBlock) for row_id in block.result.row_ids}
    passages = tuple(
        Passage(hit.chunk.id, hit.chunk.kind, hit.chunk.section, hit.chunk.text, round(hit.score, 6), round(hit.similarity, 4),
                hit.chunk.refs, tuple(s for s in hit.chunk.sentences if s in quoted or (hit.chunk.table, hit.chunk.row) in row_ids),
                hit.chunk.cells, hit.chunk.ref)
        for hit in hits
    )
    return Answer(reading.question, reading, tuple(blocks), coverage.covered, _citations(blocks, evidence.references),
                  passages, table if coverage.covered else None, key_refs=_key_refs(query, blocks, evidence))


def _key_refs(query: Query, blocks: Sequence[Block], evidence: Evidence) -> tuple[int, ...]:
    """The references of the cited quote using most (IDF-weighted) of the question's words: in "(1) … [147]; (3) MSCs
    can reduce oxidative stress [139]" for "which one is about oxidative stress?", [139]."""
    asked = frozenset(query.tokens)
    quotes = [quote for block in blocks if isinstance(block, Prose) for quote in block.quotes if quote.refs]
    key = max(quotes, key=lambda quote: evidence.overlap(asked, frozenset(lexical.tokenize(quote.text))), default=None)
    return key.refs if key is not None else ()
