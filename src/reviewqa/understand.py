"""Question understanding: one typed reading of a question, in its conversation, before retrieval.

A `Reading` says what kind of answer the question wants (its intent), what it names
(cited works, trial codes, table conditions, the things it compares), which parts of
the review it asks about by name (funding, authors, methods…), and how a follow-up
reads with the turns before it. Retrieval and answering act on the reading; neither
parses the question again.

Intents, tested in this order:
  trial        names a registered trial code ("NCT02041910 status")
  reference    names a cited work: "ref 57", "[57]", "reference 57", "Sherif et al.",
               "Karimaghani 2018", "Scadden's 2006 paper"
  rows, count, compare
               a table question (see tablequery): rows, a count, or counts per value
  limitations  gaps, limitations, risks, drawbacks, pros and cons, what is missing
  summary      summarize, overview, conclusions, main findings
  compare      two things set against each other in prose ("adipose vs bone marrow MSCs")
  fact         everything else: a fact or a definition
Whether the review covers the question at all is decided after retrieval (abstain.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Mapping, Sequence

import numpy as np

from .records import CITATION_RE, TRIAL_CODE_RE, Reference, expand_citations
from .tablequery import TableQuery, mentions, named_fields, names_studies, parse_table_question, rows_behind
from .vocabulary import corrected, field_words, normalise_spelling

INTENTS = ("fact", "rows", "count", "compare", "summary", "limitations", "reference", "trial")
# Asking for the review's judgement: its recommendations answer ("which source does the review suggest?").
# ("what FSH level suggests NOA?" asks what indicates it: a thing that suggests is no one's recommendation.)
JUDGEMENT = re.compile(r"\b(?:best|better|suggest(?:ed|ion|ions|ing)?|(?:review|authors?|paper|study|it|they|he|she) suggests"
                       r"|recommend\w*|prefer\w*|favou?r(?:s|ed)?|advise\w*|should|ideal|optimal|most promising"
                       r"|choose|pick|go with|opt for|which (?:\w+ ){1,3}?to use)\b")
_TABLE_INTENTS = {"rows": "rows", "count": "count", "values": "compare"}

# "ref 57", "refs 57 and 58", "reference no. 57", "citation 57", "#57"
_REF_NUMBERS = re.compile(r"\b(?:refs?|references?|citations?|cited work|cited as)\.?\s*(?:no\.?|number|nr\.?|#)?\s*"
                          r"(\d{1,3}(?:\s*(?:,|and|&|or)\s*\d{1,3})*)\b|#(\d{1,3})\b", re.IGNORECASE)
_ASKS_OF_MARKER = re.compile(r"\b(?:what|which|who) (?:is|was|are|were|does|did|do)(?: the)?(?: (?:paper|study|work|reference|ref))?$"
                             r"|\b(?:about|paper|study|work|reference|ref|citation)$")
_YEAR = re.compile(r"\b(?:19[5-9]\d|20[0-4]\d)\b")
_ET_AL = re.compile(r"(?:et\.?\s*al|and (?:colleagues|co-?workers|team|his team|her team|group))\b", re.IGNORECASE)
# A surname used as the name of a work: "Scadden's paper", "Dyce porcine skin paper", "the study by Sherif".
_WORK_OF = re.compile(r"^(?:'s|’s)\b|^(?:\s+\S+){0,3}?\s+(?:paper|study|article|work|group|lab|team|report)\b")
_LOOK_UP_WORDS = 6  # a question this short that starts with a surname is a look-up of that author's work
# A surname as the subject of a finding asked about as a whole: "what did Friedenstein find?" (what he proved about
# something named is told by the review's text).
_FINDING_BY_BEFORE = re.compile(r"\b(?:what|how) (?:did|does|do|has|have|had)\s+$")
_FINDING_VERB_AFTER = re.compile(r"^\s+(?:find|show|report|discover|prove|demonstrate|describe|observe|conclude|say|test)\s*[?.!]*\s*$")
_WORK_BY_BEFORE = re.compile(r"\b(?:paper|study|article|work|trial|review|ref|reference|citation)\s+(?:by|of|from|for)\s+$",
                             re.IGNORECASE)
# Asking for a cited work without naming it: "which paper…", "doi of…", "…paper citation", "show me the ref".
_REFERENCE_SEARCH = re.compile(
    r"\b(?:refs?|references?(?!\s+(?:values?|ranges?|intervals?|standards?|points?|groups?|levels?))|citations?|cite|"
    r"dois?|bibliograph\w*)\b|\b(?:which|what) (?:paper|study|article|publication|group|team)\b(?! (?:types?|designs?|kinds?)\b)"
    # "the urine derived stem cell paper": a cited work told by what it is about
    r"|\bthe (?:(?!(?:this|systematic|present|whole|of|the|in|for|on|to|a|an|review)\b)[\w-]+ ){1,6}?(?:paper|article|publication)\b"
    # "the paper about urine stem cells", "the study on guinea pigs": a cited work told by what it is about
    r"|\bthe (?:paper|article|publication|study) (?:about|on|with|using|that|where|describing)\b"
    # "who showed that…": the work that did
    r"|\bwho (?:first )?(?:showed|shown|reported|found|demonstrated|described|proved|discovered|noted|observed|published"
    r"|studied|tested|compared|transplanted|injected|used|did)\b")
# "who first reported that fat MSCs resemble marrow MSCs?": a claim, told by the sentence citing the work, never a table's rows.
_REPORTED_CLAIM = re.compile(r"\b(?:showed|shown|reported|found|demonstrated|described|proved|discovered|noted|observed)\s+that\b")

_LIMITATIONS = re.compile(
    r"\b(?:limitations?|limits|gaps?|missing|lacks?|lacking|weakness(?:es)?|drawbacks?|disadvantages?|downsides?|cons"
    r"|risks?|risky|dangers?|dangerous|safety|safe|concerns?|challenges?|caveats?|shortcomings?|open questions?"
    r"|unknowns?|unanswered|future (?:research|directions?|studies|work)|what (?:is|are) (?:still )?(?:needed|missing)"
    r"|problems? (?:with|of)|issues? (?:with|of)"
    r"|still needed|not yet|side effects?|complications?|harms?"
    # "why couldn't the authors say which source is best?": what the review could not settle
    r"|(?:can'?t|cannot|couldn'?t|could not|unable to|not able to|difficult to|hard to|don'?t|doesn'?t|didn'?t|do not|does not"
    r"|did not) (?:\w+ ){0,3}?(?:say|tell|rank|decide|determine|know|conclude|compare))\b")
# Asking only for the good side: "summarise the advantages", "why are MSCs considered better than other stem cells?"
_ADVANTAGES = re.compile(r"\b(?:advantages?|benefits?|strengths?|pros)\b"
                         r"|\bwhy (?:are|is) (?:\w+ ){1,4}?(?:considered |seen as |thought )?(?:better|preferred|popular|promising|attractive)\b")
_PROS_AND_CONS = re.compile(r"\bpros?\b.*\bcons?\b|\badvantages?\b.*\b(?:disadvantages?|drawbacks?|risks?)\b"
                            r"|\bbenefits?\b.*\b(?:risks?|harms?|drawbacks?)\b")
_SUMMARY = re.compile(
    r"\b(?:summar\w*|overview|overall(?! (?:success|chances?|odds|probabilit\w*|likelihood|rates?|percent\w*|proportion|prevalence|incidence|numbers?|counts?|risks?|effects?|results? of)|\s*\?*$)|\b(?:show\w*|found|find\w*) overall\b|in (?:short|brief|a nutshell)|tl;?dr|gist|big picture|bottom line|key (?:points|findings|messages?)"
    r"|main (?:points|findings|messages?|conclusions?|results?|takeaways?)|takeaways?|conclu\w*|state of (?:the )?(?:evidence|research|field)"
    r"|what (?:does|did) (?:the |this )?(?:review|paper|article|study) (?:say|find|show|report|cover)"
    # "what did the animal studies find?": what a strand of studies found, summed up.
    r"|what (?:do|did|does|have) (?:the |these |those |all )?(?:\S+ ){1,2}(?:studies|experiments|work|research) (?:find|found|show|shown|demonstrate)"
    r"|what is (?:the |this )?(?:review|paper|article) about|what(?:'s| is| does) the evidence (?:from|for|in|on|say)"
    # Where something stands: "where do clinical trials stand?", "the current status of…"
    r"|where (?:(?:do|does|did|is|are) )?(?:\w+ ){1,8}?stands?\b|sums? up|summing up|(?:current )?(?:status|state) of (?:the )?(?:\w+ )?(?:research|trials?|evidence|studies|therapy|field)"
    # What the review set out to do: answered by its own statement of its aim.
    r"|(?:aims?|purpose|goals?|objectives?|research question) (?:of|behind) (?:the |this )?(?:systematic )?(?:review|paper|article|work)"
    r"|(?:review|paper|article)'s (?:aims?|purpose|goals?|objectives?|research question))\b")
# A procedure asked step by step is told from the passage that describes it, not answered in one sentence.
_PROCEDURE = re.compile(
    r"\b(?:walk (?:me )?through|step[- ]by[- ]step|steps|procedures?|process of|how to"
    r"|how (?:is|are|was|were|do you|does one) (?:\w+ ){0,3}?(?:harvested|isolated|collected|obtained|prepared|processed|diagnosed|performed|done)"
    r"|how (?:\w+ ){1,3}?(?:is|are|was|were) (?:harvested|isolated|collected|obtained|prepared|processed)"
    # "how do they get the stem cells out of belly fat?": someone's way of doing it
    r"|how (?:do|does|did|can|would) (?:they|you|doctors|surgeons|scientists|researchers|labs?|one|we) (?:\w+ )?"
    r"(?:get|extract|isolate|separate|harvest|collect|obtain|process|prepare|pull|take))\b")
_COMPARE = re.compile(r"\b(?:compare[sd]?|comparing|comparison|versus|vs\.?|differ(?:ence|ences|ent|s)?\b|better|worse"
                      r"|more (?:\w+ )?than|less (?:\w+ )?than|similar(?:ity|ities)?|same as|as (?:good|effective|useful) as|contrast)\b"
                      # "which is safer, bone marrow or fat?", "which gives more cells: X or Y?"
                      r"|\bwhich\b(?: \w+){0,3}? (?:more|less|fewer|(?!(?:other|either|whether|ever|never|rather|number|after"
                      r"|under|over|layer|paper|water|cancer|matter|later|per)\b)\w+er)\b.*\bor\b"
                      # "is taking marrow harder than taking fat?"
                      r"|\b(?!(?:other|rather|later|older|earlier|sooner|longer|greater|higher|lower|fewer)\b)\w{2,}er than\b")
# Study strands of the review, for summaries: (label, words that ask for it, sections that hold it).
STRANDS: tuple[tuple[str, re.Pattern, tuple[str, ...]], ...] = (
    ("In vitro", re.compile(r"\bin[ -]vitro\b|\bdifferentiat\w*|\bcell culture\b|\blab(?:oratory)?\b|\bbench\b|\bin a dish\b"),
     ("In vitro studies on MSC and spermatogenesis",)),
    ("Animal models", re.compile(r"\bin[ -]vivo\b|\banimals?\b|\bpre-?clinical\b|\brodents?\b|\bmice\b|\brats?\b|\bmouse\b"),
     ("MSC therapy in animal model of azoospermia",)),
    ("Human studies", re.compile(r"\bhumans?\b|\bclinical(?:ly)?\b|\btrials?\b|\bpatients?\b|\bmen\b"
                                 r"|\bpeople\b(?!\s+(?:have|had|who|use|used|say|said|do|did|tried)\b)"),  # (not "what people have used")
     ("MSC therapy of azoospermia patients",)),
)

# Parts of the review a question can ask about by name; otherwise they are not quoted (see abstain/answer).
ADMIN_SECTIONS: dict[str, re.Pattern] = {
    "Abbreviations": re.compile(r"\b(?:abbreviations?|acronyms?|stands? for|short for|meaning of)\b|[\w-]\s*=\s*\?"),
    "Acknowledgments": re.compile(r"\backnowledg\w*"),
    "Authors' contributions": re.compile(r"\b(?:contribut\w*|who (?:wrote|drafted|edited|designed|conceived|reviewed))\b"),
    "Funding": re.compile(r"\b(?:fund\w*|financ\w*|sponsor\w*|grants?|paid for|money)\b"),
    "Availability of data and materials": re.compile(r"\b(?:data availability|availab\w* of (?:the )?data|raw data|materials)\b"),
    "Declarations › Ethics approval and consent to participate": re.compile(r"\b(?:ethic\w*|consent)\b"),
    "Consent for publication": re.compile(r"\bconsent\b"),
    "Competing interests": re.compile(r"\b(?:competing|conflicts? of interest|conflicting interests?)\b"),
    "Title": re.compile(r"\b(?:title|who (?:are|were) the (?:first )?authors|who wrote|written by|authors? of (?:the|this) (?:review|paper|article)"
                        r"|which journal)\b"),
    "Author information": re.compile(r"\b(?:affiliations?|universit(?:y|ies)|institutions?|institutes?|co-?first|correspond\w*"
                                     r"|e-?mails?|contact|where (?:are|do|does|is) (?:the )?(?:authors?|they|he|she|first one)\b.*"
                                     r"\b(?:from|work|works|based)|authors? (?:are )?(?:from|work|based))\b"),
    # Not "published" alone: "has anyone published results in men?" asks about studies, not about this review.
    "Publication history": re.compile(r"\b(?:received|accepted|publication date|when was (?:it|the review|this review|"
                                      r"the paper|this paper) (?:published|received|accepted|written)"
                                      r"|(?:review|paper|article) (?:was |got )?published)\b"),
}
# The review's methods, each asked about in its own words.
_METHODS_ASKED: dict[str, re.Pattern] = {
    "Methods › Focused question": re.compile(
        r"\b(?:focused question|research question|(?:the |this )?review'?s? (?:aims?|goals?|objectives?|purpose|question)"
        r"|(?:aims?|goals?|objectives?|purpose) of (?:the|this) review|try(?:ing)? to answer|question (?:of|does|did) (?:the|this) review)\b"),
    "Search and study selection": re.compile(
        r"\b(?:search(?:ed|es|ing)?|databases?|google scholar|clinicaltrials\.gov|key ?words?|inclusion|exclusion|exclud\w*"
        r"|criteria|study selection|methodology|languages?|english|systematically|(?:the |this )?review'?s? methods?"
        r"|methods? of (?:the|this) review)\b"),
}
METHODS_SECTIONS: tuple[str, ...] = tuple(_METHODS_ASKED)

# (After a word acknowledging the last answer: "ok and what about…", "thanks, and in rats?".)
_FOLLOW_UP_START = re.compile(r"^\s*(?:(?:ok(?:ay)?|cool|great|thanks|thank you|thx|nice|hmm+|i see|got it|right|alright)\b[\s,.!]*)?"
                              r"(?:and|but|also|what about|how about|same for|and what about|and in|or|then|so)\b[\s,]*",
                              re.IGNORECASE)
# "which of those harvesting methods…": one of the things just named.
_OF_THOSE = re.compile(r"^\s*(?:and\s+|so\s+)?(?:which|what|how many|are any|is any|did any)\s+(?:ones?\s+)?of\s+(?:those|them|these)\b",
                       re.IGNORECASE)
# "where did he find them?" after "who discovered MSCs?": the person's work as the review tells it, not a card.
_PERSON = re.compile(r"\b(?:he|she|his|her|him)\b", re.IGNORECASE)
_ANAPHOR = re.compile(r"\b(?:it|its|they|them|their|those|these|this|that|one|ones|he|she|his|her|such)\b", re.IGNORECASE)
_FOLLOW_UP_MAX_WORDS = 8
# A question about the cited work just looked up, about the person just named, or about one of the things just named,
# may run longer ("what animal was it in and what drug made them azoospermic?", "where did he find them, and what
# share of his sample were they?", "which of those harvesting methods is preferred and why?").
_WORK_FOLLOW_UP_MAX_WORDS = 14
# A follow-up about the work an answer cited ("when was it published?", "who wrote that paper?"), and how many of the
# works it cited, first first, such a follow-up shows.
_ABOUT_A_WORK = re.compile(r"\b(?:published|publish|journal|dois?|paper|article|authors?|title|reference|citation|cite|wrote|written"
                           r"|who (?:did|ran|conducted|performed|led|carried out)|whose (?:study|work|paper|group))\b",
                           re.IGNORECASE)
_CITED_FOLLOWED = 2
# "In short, why do people like MSCs?": how to answer, not a request for a summary; the question follows it.
_ASKS_BRIEFLY = re.compile(r"^(?:in short|in brief|briefly|quickly|in a nutshell|tl;?dr|simply put|in simple terms)[,:]?\s+"
                           r"(?=(?:what|why|how|which|who|when|where|is|are|do|does|did|can|could)\b)", re.IGNORECASE)
# Who asks and what for ("journalist here -", "bio undergrad q:", "for my flow cytometry slide", "like for an exam
# flashcard", "…? writing a short piece on…"): not what the question is about.
_PURPOSES = (r"(?:slides?|class|exams?|essays?|flashcards?|presentations?|talks?|piece|articles?|reports?|intro|blog|thesis"
             r"|assignments?|homework|lectures?|notes|posters?|seminars?|journal club)")
_ASKER = re.compile(
    r"^\s*(?:[\w-]+\s+){0,3}?(?:here|q|question|numbers|figures|stats)\s*[-–—:,]\s*"
    rf"|\s*\b(?:(?:like|just|quick(?:ly)?)\s+)?for\s+(?:my|our|an?|the)\s+(?:[\w-]+\s+){{0,3}}?{_PURPOSES}(?:\s+{_PURPOSES})*\b"
    r"|(?<=[?.!])\s*(?:i'?m\s+|i am\s+)?(?:writing|doing|preparing|making|working on)\b.*$", re.IGNORECASE)
# Chat shorthand: "how many diff kinds…" (different), "what's the diff between…" (difference).
_DIFF = re.compile(r"\bdiff\b(\s+(?:between|in|of)\b)?", re.IGNORECASE)
# "how much different species…", "how much cells…": things counted, asked as an amount.
_HOW_MUCH_OF_THINGS = re.compile(r"\bhow much\s+(?=(?:different\s+)?(?!(?:does|is|was|has)\b)[a-z]+[^s\W]s\b)", re.IGNORECASE)
# "# recipient species in Table 3?": the number sign before a word asks how many.
_NUMBER_SIGN = re.compile(r"(?<!\S)#\s*(?=[^\W\d_])")
# "what journal and year?" after a look-up of a cited work: only fields of its entry are asked, of the work just named.
_ENTRY_FIELDS_ONLY = re.compile(r"^\W*(?:(?:and|so|ok|okay|also|then|what|which|who|when|where|whats|what's|is|are|was|were|the|in"
                                r"|of|year|date|journal|dois?|pmid|authors?|first|last|title|volume|issue|pages?|link|url"
                                r"|published|publication)\b\W*)+$", re.IGNORECASE)
_ONE_WORK = re.compile(r"\b(?:that|this) (?:study|paper|work|article|report|one)\b|\b(?:who|when) (?:did|ran|wrote|published) (?:it|that)\b",
                       re.IGNORECASE)
# A follow-up asking for the rows an earlier count or tally stands for: "list them", "their NCT numbers", "which ones?"
_LISTING_FOLLOW_UP = re.compile(r"\b(?:their|those|them|these|which ones|what are they|which are they)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation, as understanding needs it."""

    question: str
    reading: str = ""  # how it was read, when that differed from the question
    table_query: TableQuery | None = None  # the table query it was answered with
    references: tuple[int, ...] = ()  # the cited works it was about
    leading_values: tuple[str, ...] = ()  # the value a "most"/"fewest" table answer named ("Egypt"): what "their…" means
    cited: tuple[int, ...] = ()  # the works its answer cited, first first: what "when was it published?" asks about
    quoted: tuple[str, ...] = ()  # the sentences its answer quoted: what a follow-up goes on from

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Turn:
        """From a --jsonl history entry: {"question": …} or a whole earlier answer object; a bad part is ignored."""
        table = raw.get("table") if isinstance(raw.get("table"), dict) else {}
        query = raw.get("table_query") or table.get("query")
        try:
            table_query = TableQuery.from_dict(query) if isinstance(query, dict) else None
        except (KeyError, TypeError, ValueError):
            table_query = None
        references = raw.get("references") if isinstance(raw.get("references"), list) else []
        reading = raw.get("reading", raw.get("interpreted_as", ""))
        leading = raw.get("leading_values") if isinstance(raw.get("leading_values"), list) else []
        # A whole earlier answer object gives what it cited as its key references, then its citations.
        citations = [c.get("ref") for c in raw.get("citations", []) if isinstance(c, dict)] \
            if isinstance(raw.get("citations"), list) else []
        key_refs = raw.get("key_refs") if isinstance(raw.get("key_refs"), list) else []
        cited = raw.get("cited") if isinstance(raw.get("cited"), list) else list(dict.fromkeys([*key_refs, *citations]))
        quoted = raw.get("quoted") if isinstance(raw.get("quoted"), list) else []
        return cls(str(raw.get("question", "")), str(reading or ""), table_query,
                   tuple(n for n in references if isinstance(n, int)), tuple(str(v) for v in leading),
                   tuple(n for n in cited if isinstance(n, int)), tuple(text for text in quoted if isinstance(text, str)))

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "reading": self.reading,
                "table_query": self.table_query.to_dict() if self.table_query else None, "references": list(self.references),
                "leading_values": list(self.leading_values), "cited": list(self.cited), "quoted": list(self.quoted)}


@dataclass(frozen=True)
class Reading:
    """What a question asks, read once before retrieval."""

    question: str  # as typed (cleaned)
    text: str  # as read in its conversation: what retrieval searches for
    intent: str  # one of INTENTS
    table: TableQuery | None = None  # the table query, for rows / count / compare-by-column questions
    table_fallback: TableQuery | None = None  # a follow-up's query without what it carried over: asked when none match
    references: tuple[int, ...] = ()  # cited works it names
    trial_codes: tuple[str, ...] = ()
    sides: tuple[str, ...] = ()  # the things a prose comparison sets against each other
    strands: tuple[str, ...] = ()  # study strands it is about (In vitro, Animal models, Human studies)
    advantages: bool = False  # asks only for the advantages of something
    pros_and_cons: bool = False
    reference_search: bool = False  # asks for a cited work by what it says, not by number or author
    procedure: bool = False  # asked step by step ("walk me through…"): told from the one passage that describes it
    parts: tuple[str, ...] = ()  # the questions a compound question asks ("… and how often is no cause found?")
    explanation: bool = False  # asks how or why: answered in a few sentences rather than one
    defines: str = ""  # the term a definition question asks about ("what is azoospermia?" → "azoospermia")
    asks_sections: frozenset[str] = frozenset()  # administrative or methods sections asked about by name
    earlier_quotes: tuple[str, ...] = ()  # for a follow-up read with the question before it: what that answer quoted

    @property
    def follow_up(self) -> bool:
        return self.text != self.question


@dataclass(frozen=True)
class Query:
    """A reading with what retrieval and answering compare against: its words and its vectors."""

    reading: Reading
    tokens: tuple[str, ...]  # lexical tokens of the reading, expanded with the field's vocabulary
    vector: np.ndarray = field(repr=False)  # the reading as written (compared with passages)
    sentence_vector: np.ndarray = field(repr=False)  # the reading with abbreviations spelled out (compared with sentences)
    parts: tuple[Query, ...] = ()  # one query per part of a compound question


# Asking how or why something happens (not "how many", "how much", "how long"): an explanation.
_EXPLANATION = re.compile(r"^(?:how (?!many|much|long|often|old|soon))|\bwhy\b|\b(?:explain|describe|mechanisms?|in what way)\b",
                          re.IGNORECASE)

# Asking what a term is: "what is azoospermia?", "define exosomes", "what does multipotent mean?". The term is a
# few words naming a thing, not a question about it ("what is the success rate of TESE?" asks for a figure).
_DEFINITION = re.compile(
    r"^(?:(?:so|ok|okay|and|but|sorry|hi|hey|quick question)[,:]?\s+|[^,?]{1,60},\s+)?(?:"  # or "im a student, what is…"
    r"(?:what|wat|wht)(?:'s|s| is| are| r| exactly is| exactly are)\s+(?:an?\s+|the\s+)?(?P<what>[^?]+?)"
    r"|(?:define|definition of|meaning of|explain what)\s+(?:an?\s+|the\s+)?(?P<define>[^?]+?)(?:\s+(?:is|are|means?))?"
    r"|(?:what|wat|wht) (?:does|do) (?:the (?:word |term )?)?(?P<mean>[^?]+?) (?:mean|stand for)"
    r"|(?P<equals>[\w/-]{2,20})\s*=\s*\?"  # ("ASA = ?")
    # "they mention a 'niche' — what does that mean here?": a term quoted, then asked about.
    r"|[^'\"‘“?]*['\"‘“](?P<quoted>[^'\"’”?]{2,40})['\"’”][^?]*?\bwhat (?:does|do) (?:that|it|this)(?: (?:word|term))? mean)"
    r"(?:,?\s+(?:exactly|again|actually|anyway|simply|briefly|please|pls|(?:for|to) (?:me|us|a (?:student|layman|patient))"
    r"|for an? (?:first|second|third|1st|2nd|3rd)[- ]year(?: (?:med )?students?)?|for (?:a )?(?:beginners?|non-?scientists?)"
    r"|in (?:one|a|1|two|2|a few|a couple of) (?:lines?|sentences?|words?)"
    r"|in (?:simple|plain|lay(?:man'?s)?|easy) (?:words|terms|english|language)|here|in (?:this|the) (?:review|paper|article)"
    r"|in (?:this|the) (?:[\w-]+ ){0,3}?(?:section|part|paragraph|bit)))*"
    r"\s*[?.!]*\s*$", re.IGNORECASE)
_DEFINED_TERM_WORDS = 3
# Words that only colour the question ("what does NOA actually mean?").
_FILLER = re.compile(r"\b(?:actually|really|exactly|even|basically|precisely|technically)\b", re.IGNORECASE)
# Words that make "what is the X" a question about something rather than the name of a thing.
_NOT_A_TERM = re.compile(r"\b(?:of|for|in|on|with|between|by|from|about|to|this|that|it|they|their|its|these|those|best|main"
                         r"|most|difference|role|aim|purpose|point|reason|cause|causes|rate|number|chance|chances|result"
                         r"|results|outcome|status|stage|phase|source|sources|evidence|conclusion|take|problem|story|deal"
                         r"|used|done|known|found|tested|tried|involved|available|needed)\b",
                         re.IGNORECASE)


_SET_AGAINST = re.compile(r"\s+(?:as opposed to|compared (?:to|with)|vs\.?|versus|rather than|unlike|in contrast to)\b.*$",
                          re.IGNORECASE)


def defined_term(question: str) -> str:
    """The term a definition question asks about, or ""."""
    # (A trailing aside in brackets says where, not what: "ASA = ? (in the mechanisms part)".)
    match = _DEFINITION.match(re.sub(r"\s*\([^()]*\)(?=\s*[?.!]*\s*$)", "", question.strip()))
    if match is None:
        return ""
    term = _FILLER.sub(" ", next(group for group in match.groups() if group)).strip(" '\"")
    # "what is non obstructive azoospermia as opposed to the obstructive kind?": the term, set against another.
    term = re.sub(r"\s+", " ", _SET_AGAINST.sub("", term))
    if len(term.split()) > _DEFINED_TERM_WORDS or _NOT_A_TERM.search(term):
        return ""
    return term


def _defined_in(question: str) -> str:
    """The term a definition question, or the first part of a compound one ("what are exosomes and what do they do
    here?"), asks about."""
    parts = question_parts(question)
    return defined_term((parts[0] if parts else question).rstrip(" ,;"))  # ("what does NOA mean, and is…")


# "summarize how MSCs repair the testis": a summary of how something works is an explanation too.
_HOW_WITHIN = re.compile(r"\b(?:how|why)\b(?! (?:many|much|long|often|old|soon)\b)", re.IGNORECASE)


# Where a compound question joins its parts: "… and how often…", "…? list the…".
_PART_JOIN = re.compile(r"\?\s+(?=\w)|\s+and\s+(?=(?:how|what|which|where|why|when|who|whom|is|are|was|were|does|do|did|can)\b)",
                        re.IGNORECASE)
# "…how many layers, which one do u keep": a second question after a comma (not "…, which used…"), when what comes
# before the comma asks one too (not "For men with NOA, what is…").
_COMMA_QUESTION = re.compile(r",\s+(?=(?:which|what|how|why|where|when|who)\s+(?:one|ones|of|do|does|did|is|are|can|should)\b)",
                             re.IGNORECASE)
_ASKS = re.compile(r"\b(?:how|what|which|why|where|when|who)\b", re.IGNORECASE)
_PART_MIN_WORDS = 2


def question_parts(text: str) -> tuple[str, ...]:
    """The parts of a compound question, when it has more than one. A later part leaning on the first ("define MSCs
    and what tissues they can turn into") is read with it."""
    parts = [part.strip(" ?.") for joined in _PART_JOIN.split(text) for part in _comma_questions(joined)]
    parts = [part for part in parts if len(part.split()) >= _PART_MIN_WORDS]
    if len(parts) < 2:
        return ()
    return (parts[0], *(f"{part} ({parts[0]})" if _ANAPHOR.search(part) else part for part in parts[1:]))


def _comma_questions(text: str) -> list[str]:
    comma = _COMMA_QUESTION.search(text)
    return [text[: comma.start()], text[comma.end():]] if comma and _ASKS.search(text[: comma.start()]) else [text]


def trial_codes(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(code.upper() for code in TRIAL_CODE_RE.findall(text)))


def _numbered_references(text: str, known: Mapping[int, Reference]) -> list[int]:
    numbers: list[int] = []
    for match in _REF_NUMBERS.finditer(text):
        numbers += [int(n) for n in re.findall(r"\d{1,3}", match.group(1) or match.group(2))]
    stripped = text.strip().rstrip("?.!")
    # A bracketed marker counts when the question is mostly that marker ("[57]", "what is [57]?"), opens it ("[126] what is
    # it and what did it show?") or is what it asks about ("what did [57] find about…").
    for match in CITATION_RE.finditer(text):
        before = text[: match.start()].strip().lower()
        if len(stripped) - (match.end() - match.start()) <= 20 or not before or _ASKS_OF_MARKER.search(before):
            numbers += list(expand_citations(match.group(0)))
    return [n for n in dict.fromkeys(numbers) if n in known]


_NAME_PART_MIN = 4


def _authored_references(text: str, known: Mapping[int, Reference]) -> list[int]:
    """Works named by first author: with a year, "et al.", a possessive, "the study by …" or "what did … find";
    or a bare name."""
    lowered = text.lower()
    years = {int(y) for y in _YEAR.findall(text)}
    words = re.findall(r"[^\W\d_]+", text)
    found: list[int] = []
    by_surname: dict[str, list[Reference]] = {}
    for reference in known.values():
        surname = reference.first_author
        # A double-barrelled name is also named by either part ("Ghasemzadeh" of Ghasemzadeh-Hasankolai).
        parts = {surname} | {part for part in surname.split("-") if len(part) >= _NAME_PART_MIN}
        for name in parts:
            if len(name) >= 3:
                by_surname.setdefault(name.lower(), []).append(reference)
    for surname, references in by_surname.items():
        for match in re.finditer(rf"\b{re.escape(surname)}\b", lowered):
            after, before = lowered[match.end():], lowered[: match.start()]
            opens = not before.strip() and len(words) <= _LOOK_UP_WORDS
            named = (bool(years) or bool(_ET_AL.match(after.lstrip(" ,"))) or bool(_WORK_OF.match(after))
                     or bool(_WORK_BY_BEFORE.search(before)) or opens
                     or bool(_FINDING_BY_BEFORE.search(before) and _FINDING_VERB_AFTER.match(after)))
            if not named:
                continue
            dated = [r for r in references if r.year in years]
            found += [r.number for r in (dated or references)]
    return list(dict.fromkeys(found))


def named_references(text: str, known: Mapping[int, Reference]) -> tuple[int, ...]:
    """Cited works a question names, by number or by first author."""
    return tuple(dict.fromkeys(_numbered_references(text, known) + _authored_references(text, known)))


def asked_sections(text: str) -> frozenset[str]:
    lowered = text.lower()
    asked = {section for section, pattern in ADMIN_SECTIONS.items() if pattern.search(lowered)}
    asked.update(section for section, pattern in _METHODS_ASKED.items() if pattern.search(lowered))
    return frozenset(asked)


# "the difference between X and Y", "compare X with Y": the two sides in free words.
_BETWEEN = re.compile(r"\b(?:differ\w*\s+between|compar\w*|distinguish\w*(?:\s+between)?)\s+(.+?)\s+(?:and|with|to|from)\s+(.+)"
                      r"|\b(?:is|are|was|were)\s+(.+?)\s+(?:better|worse|safer|more \w+|less \w+)\s+than\s+(.+)", re.IGNORECASE)
# "obstructive or non obstructive azoospermia, which one is better?": two sides offered, then the question.
_EITHER = re.compile(r"^(?:(?:is|are|was|were)\s+)?(.+?)\s+or\s+(.+?)\s*(?:[,?:—–-]\s*|\s)(?:which|what)\b", re.IGNORECASE)
# Where a compared side's words stop: "…vs Y in rats", "…vs Y, which is better?"
_SIDE_END = re.compile(r"(?:\s+(?:in|for|as|when|regarding|which|what|who|how|is|are)\b|\s*[,;:?—(]|\s+[-–]\s).*$",
                       re.IGNORECASE | re.DOTALL)


def _sides(text: str) -> tuple[str, ...]:
    """What a prose comparison compares: vocabulary values named in the question, or the words around an explicit
    "vs" / "versus" ("why are MSCs popular compared to other stem cells?" compares nothing the review sets side by side)."""
    named = tuple(dict.fromkeys(label for mention in mentions(text) for label in mention.labels))
    if len(named) >= 2:
        return named
    versus = re.split(r"\s+(?:vs\.?|versus)\s+", text, maxsplit=1, flags=re.IGNORECASE)
    between = _BETWEEN.search(text) or (_EITHER.search(text) if len(versus) < 2 else None)
    split = [side for side in between.groups() if side] if between else versus
    if len(split) == 2:
        # The left side starts after the last clause break and after what is asked of it ("trials: how many
        # registered in NLM vs IRCT?" sets NLM against IRCT).
        left = re.sub(r"^.*(?:[:;?—–]|\bhow (?:many|much)\b.*?\b(?:in|from|at|on|by|with))\s+", "", split[0], flags=re.IGNORECASE)
        left = re.sub(r"^.*\b(?:compare|between|is|are|of)\s+", "", left, flags=re.IGNORECASE).strip(" ?.,")
        right = _SIDE_END.sub("", split[1]).strip(" ?.,-–")
        if left and right:
            return (left, right)
    return named


def _strands(text: str) -> tuple[str, ...]:
    lowered = text.lower()
    return tuple(label for label, pattern, _ in STRANDS if pattern.search(lowered))


def read_follow_up(question: str, history: Sequence[Turn]) -> str:
    """A short follow-up ("and in rats?", "which one is the most serious?") is read with the question before it."""
    if not history:
        return question
    words = re.findall(r"\w+", question)
    start = _FOLLOW_UP_START.match(question)
    # "he", "his": a person named just before, however long the question about them.
    longest = _WORK_FOLLOW_UP_MAX_WORDS if _PERSON.search(question) or _OF_THOSE.match(question) else _FOLLOW_UP_MAX_WORDS
    if len(words) > longest or not (start or _ANAPHOR.search(question)):
        return question
    previous = history[-1].reading or history[-1].question
    rest = question[start.end():] if start else question
    rest = rest.strip().rstrip(" ?.!")
    return f"{previous.rstrip(' ?.!')} — {rest}?" if rest else previous


def _table_state(history: Sequence[Turn]) -> TableQuery | None:
    """The table query the conversation has reached: each turn's own, or its question read again in context."""
    state = None
    for turn in history:
        state = turn.table_query or parse_table_question(turn.question, state)
    return state


def cited_words(references: Mapping[int, Reference]) -> frozenset[str]:
    """The cited works' authors' names and title words ("Kadam", "testis"): words of the field, never typing slips."""
    return frozenset(word.lower() for reference in references.values()
                     for word in re.findall(r"[^\W\d_]{3,}", f"{reference.authors} {reference.title}"))


def read(question: str, history: Sequence[Turn], references: Mapping[int, Reference],
         known: frozenset[str] | None = None) -> Reading:
    """The reading of a cleaned question in its conversation. Typing slips of common English words are corrected
    before it is read ("whats the diffrence…"); the question as typed is kept for the reader. `known`: the words never
    "corrected" (see Evidence.never_corrected, worked out once per index); by default the field's and the cited
    works' ("Kadam", "testis")."""
    typed = normalise_spelling(question)
    question = corrected(typed, known if known is not None else field_words() | cited_words(references))
    question = _ASKS_BRIEFLY.sub("", question)
    question = _ASKER.sub("", _ASKER.sub("", question)).strip() or question  # ("need two numbers for my intro: …")
    question = _DIFF.sub(lambda match: "difference" + match.group(1) if match.group(1) else "different", question)
    question = _HOW_MUCH_OF_THINGS.sub("how many ", question)
    question = _NUMBER_SIGN.sub("number of ", question)
    codes = trial_codes(question)
    named = named_references(question, references)
    previous = history[-1] if history else None
    words = len(re.findall(r"\w+", question))
    if not codes and not named and previous and _ANAPHOR.search(question) and not names_studies(question) \
            and words <= _WORK_FOLLOW_UP_MAX_WORDS:
        # "what phase is it?" after a trial's code; not "and the one in Indonesia?", which names another trial.
        codes = trial_codes(previous.reading or previous.question)
    if not codes and not named and previous and previous.references \
            and (_ANAPHOR.search(question) or _ENTRY_FIELDS_ONLY.match(question) and _ABOUT_A_WORK.search(question)) \
            and (not _PERSON.search(question) or _ABOUT_A_WORK.search(question)) \
            and words <= _WORK_FOLLOW_UP_MAX_WORDS:
        named = previous.references  # "what did they find?" after a question about a cited work
    elif not codes and not named and previous and previous.cited and _ANAPHOR.search(question) \
            and _ABOUT_A_WORK.search(question) and words <= _WORK_FOLLOW_UP_MAX_WORDS:
        # "when was that paper published?" after an answer citing it: the work its answering quote cites, first; one
        # work when one is pointed at.
        named = previous.cited[: 1 if _ONE_WORK.search(question) else _CITED_FOLLOWED]
    asks = asked_sections(question)
    if codes:
        return Reading(typed, question, "trial", trial_codes=codes, references=named, asks_sections=asks)
    if named:
        return Reading(typed, question, "reference", references=named, asks_sections=asks)
    state = _table_state(history)
    table = parse_table_question(question, state)
    if table is None and state is not None and state.intent != "rows" and _LISTING_FOLLOW_UP.search(question) \
            and len(re.findall(r"\w+", question)) <= _FOLLOW_UP_MAX_WORDS:
        # "give me their NCT numbers" after "which country has the most trials?": the rows behind that answer.
        table = rows_behind(state, previous.leading_values if previous else ())
    if _REFERENCE_SEARCH.search(question.lower()) and not (table is not None and table.intent == "count"):
        # (not "how many refs cover bone marrow MSCs in busulfan rats?": the tables count the works cited)
        # "doi of the urine stem cells exosome paper", "hamster fat MSC busulfan paper citation": the work is found
        # from what the question says of it (its table row, the sentence citing it, its title or journal).
        claim = _REPORTED_CLAIM.search(question.lower())
        return Reading(typed, read_follow_up(question, history), "reference", table=None if claim else table, reference_search=True,
                       asks_sections=asks)
    if table is not None:
        # A table follow-up ("and in rats?") is also read with the question before it: that is what retrieval finds
        # passages for, and what the reader is shown it was taken to mean.
        alone = parse_table_question(question)
        follows = state is not None and table != alone
        text = read_follow_up(question, history) if follows else question
        # "what about the female ones from Egypt?" after the azoospermia trials from Egypt: when nothing matches all,
        # the conditions carried over that the follow-up does not name itself are dropped.
        named = named_fields(question)
        kept = tuple(c for c in table.conditions if c.field in named or c not in state.conditions) if follows else ()
        fallback = replace(table, conditions=kept) if follows and named and kept != table.conditions else None
        return Reading(typed, text, _TABLE_INTENTS[table.intent], table=table, asks_sections=asks, table_fallback=fallback)
    text = read_follow_up(question, history)
    lowered = text.lower()
    # "which one is the worst?" after "what are the main risks?": the answer goes on from what the last one quoted.
    reading = partial(Reading, typed, text, asks_sections=asks,
                      earlier_quotes=previous.quoted if previous is not None and text != question else ())
    if _PROS_AND_CONS.search(lowered):
        return reading("limitations", pros_and_cons=True, sides=_sides(question))
    if _ADVANTAGES.search(lowered):
        return reading("limitations", advantages=True)
    if _LIMITATIONS.search(lowered):
        return reading("limitations", strands=_strands(text))
    if _PROCEDURE.search(lowered) and not JUDGEMENT.search(question.lower()):
        # (Not "which of those harvesting methods is preferred?": the review's judgement answers that.)
        return reading("summary", procedure=True)
    if _SUMMARY.search(lowered):
        return reading("summary", strands=_strands(text),
                       explanation=bool(_EXPLANATION.search(question) or _HOW_WITHIN.search(question)))
    if _COMPARE.search(lowered):
        sides = _sides(question)
        if len(sides) >= 2:
            return reading("compare", sides=sides)
    return reading("fact", parts=question_parts(question), explanation=bool(_EXPLANATION.search(question)),
                   strands=_strands(text), defines=_defined_in(question) if text == question else "")
