"""The field's vocabulary, in one place: abbreviations both ways, the words people type for the
review's terms, and the canonical values of the tables' columns.

Used on both sides of retrieval (questions are expanded for BM25; embedded texts carry the
spelled-out form of the abbreviations they use, since the embedder does not know that MSC
means mesenchymal stromal/stem cell), by the tables (cells are split into canonical values)
and by question understanding (conditions are the values a question mentions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from . import lexical

# Words that say how a question is asked, not what it is about: they never make it out of scope.
QUESTION_WORDS = frozenset("""
whats hows whos wheres whens thats theres isnt arent dont doesnt didnt cant wont wouldnt couldnt shouldnt
cutoff cutoffs threshold thresholds value values
tell explain explained explaining describe described list lists show shows showed shown give given find found finds
name names named mean means meaning meant define defined definition definitions summary summarize summarise overview
compare compared comparison comparing difference differences different differ versus main key kind kinds type types
sort sorts way ways role roles thing things stuff example examples instance detail details info information question
questions answer answers please thanks thank hi hello hey can could would should might must may really actually exactly
simply simple briefly brief short quick quickly lol eli5 okay ok yes yeah like just kinda sorta basically generally
overall study studies paper papers review reviews reviewed article articles author authors evidence evidences data
experiment experiments experimental enumerate twice every everyone everybody altogether entirely completely totally
result results report reports reported reporting say says said state states stated claim claims mention mentions
mentioned discuss discusses discussed cover covers covered talk talks know known look looks use used uses using usage
help helps helped work works worked working happen happens happened get gets got make makes made take takes took
taking
do does did done go goes went come comes came see seen want wants need needs needed think thought believe point points
figure figures table tables row rows column columns entry entries one ones two three first second last many much
more most less least few fewer fewest best better worse worst good bad big small high low new old common commonly
bigger biggest largest smaller smallest greatest higher highest lower lowest newest oldest
often usually typically important importance main major minor part parts number numbers total amount level levels
status stage stages current currently still yet ever already also even well whether why how what when where which who
whose whom there here this that these those they them their it its anything something everything nothing someone
review's reviewer reviewers systematic ref refs reference references citation citations cite cites cited trial trials
gap gaps limitation limitations limit limits missing lack lacks lacking weakness weaknesses drawback drawbacks
disadvantage disadvantages downside downsides pros cons pro con advantage advantages benefit benefits future direction
directions research researchers open unknown unknowns unanswered caveat caveats shortcoming shortcomings takeaway
takeaways conclusion conclusions conclude concludes concluded gist whole big picture bottom line field topic topics
point out about into over under between after before during within without per via based regarding concerning
versus than then now today currently recent recently latest year years time times people someone everyone anyone
can't don't won't isn't aren't doesn't didn't wasn't weren't haven't hasn't couldn't wouldn't shouldn't cannot
according regarding concerning respect related problem problems issue issues trouble troubles wrong pls plz please thx thanks tldr nutshell always never possible possibly sometimes around anyway
cant dont wont isnt arent doesnt didnt wasnt werent havent hasnt couldnt wouldnt shouldnt
walk through step steps bother bothering exist exists existing worth
abt bout bc cuz coz tho thru wrt ur u r y ya wat wht wut whta waht
you your yours yourself me my mine myself we us our ours he him his she her hers someone somebody
each itself themselves keep keeps kept try tries tried trying affect affects affected exact
i'm im i've ive i'd i'll we're we've you're they're it's ask asks asked asking wonder wondering wondered curious confused
characterise characterize characterised characterized depict depicts portray portrays
tmrw tmr tomorrow tonight asap rn idk btw fyi imo
""".split())
# Who asks ("I'm an andrology nurse…"): words about the asker, never a topic the review lacks.
ASKER_WORDS = frozenset("""
nurse nurses resident residents student students doctor doctors physician physicians clinician clinicians gp gps
pharmacist pharmacists embryologist embryologists urologist urologists andrologist andrologists journalist journalists
undergrad undergrads undergraduate undergraduates trainee trainees intern interns colleague colleagues professor tutor
analyst analysts officer officers blogger bloggers reporter reporters
""".split())
# Everyday or variant words → the review's own terms (added to the lexical query).
SYNONYMS: dict[str, str] = {
    "fat": "adipose tissue",
    "fat-derived": "adipose tissue-derived",
    "adipose-derived": "adipose tissue-derived AT-MSC",
    "lipoaspirate": "liposuction adipose",
    "lipo": "liposuction",
    "marrow": "bone marrow",
    "cord": "umbilical cord",
    "wj": "Wharton's jelly",
    "ram": "sheep",
    "ovine": "sheep",
    "canine": "dog",
    "porcine": "pig",
    "bovine": "cow",
    "murine": "mouse",
    "rodent": "rat mouse",
    "chemotherapy": "busulfan cisplatin doxorubicin",
    "chemo": "chemotherapy busulfan cisplatin doxorubicin",
    "chemotherapy-induced": "busulfan cisplatin doxorubicin",
    "trial": "clinical trial NCT",
    "trials": "clinical trials NCT",
    "infertile": "infertility",
    "sperm retrieval": "testicular sperm extraction TESE",
    "egg": "oocyte",
    "eggs": "oocyte",
    "in vivo": "animal model",
    "animal": "in vivo model",
    "scaffold": "nanotubes polylactic acid",
    "risks": "risk safety tumorigenicity",
    "safety": "risk tumorigenicity",
    "discovered": "first described",
    "ways": "methods types",
    "approaches": "methods",
    "techniques": "methods technique",
    "literature": "publications articles",
    "lit": "publications articles",
    "selected": "considered excluded",
    "selection": "considered excluded",
    "check": "measured examination",
    "checked": "measured examination",
    "visit": "examination history",
    "lineage": "differentiate into",
    "lineages": "differentiate into",
    "features": "properties",
    "characteristics": "properties",
    "traits": "properties",
    "precursor": "progenitor",
    "precursors": "progenitors",
    "in a dish": "in vitro",
    "petri dish": "in vitro",
    "in the lab": "in vitro",
    "lab-grown": "in vitro",
    "turn into": "differentiate into",
    "turns into": "differentiate into",
    "become": "differentiate into",
    "irct": "Iranian Registry of Clinical Trials",
    "storing": "storage",
    "stored": "storage",
    "exclusion": "excluded",
    "restricted": "considered excluded",
    "restrict": "considered excluded",
    "inclusion": "considered",
    "funded": "financially supported",
    "discover": "discovery first described",
    "universities": "university",
    "affiliations": "university department",
    "digestion": "enzymatic collagenase lysed",
    "options": "choice",
    "feel": "palpation",
    "feel like": "palpation",
    "father": "paternity conceive",
    "funding": "financially supported",
    "discovery": "first described",
    "vacuum": "negative pressure aspirator",
    "suck": "negative pressure aspirator",
    "sucking": "negative pressure aspirator",
    "methodology": "methods search strategy",
    "database": "Google Scholar ClinicalTrials.gov search",
    "databases": "Google Scholar ClinicalTrials.gov search",
    "doctor": "clinicians",
    "doctors": "clinicians",
    "physicians": "clinicians",
    "baby": "pregnancy",
    "babies": "pregnancy",
    "sugar": "glucose",
    "pathway": "axis",
    "carry": "carriage",
    "carries": "carriage",
    "cargo": "carriage",
    "splits": "separated",
    "split": "separated",
    "suction": "negative pressure aspirator liposuction",
    "stronger": "higher",
    # A patient's words for the review's.
    "testicle": "testis testicular",
    "testicles": "testes testicular",
    "operation": "surgery surgical",
    "chance": "probability success",
    "chances": "probability success",
    "twisted testicle": "testicular torsion",
    "twisted testis": "testicular torsion",
    "twisted": "torsion",
    "guy": "men patient",
    "guys": "men patients",
    "overweight": "obese obesity",
    "contraception": "unprotected",
    "attributable": "related",
    "down to": "related due to",
    "alone": "solely",
    "breaking down": "digestion enzymatic",
    "break down": "digestion enzymatic",
    "skip": "without non-enzymatic",
    "panel": "levels",
    "run": "measured",
    "keep": "remaining",
    "kept": "remaining",
    "throw away": "removed",
    "thrown away": "removed",
    "discard": "removed",
    "discarded": "removed",
    # How hard or harmful getting the cells is, as a donor would say it: the review's "most traumatic way", "easier
    # and safer to obtain".
    "harder": "easier traumatic difficulties",
    "more difficult": "easier traumatic difficulties",
    "tougher": "easier traumatic difficulties",
    "painful": "traumatic",
    "invasive": "traumatic",
    "hurt": "traumatic",
    "hurts": "traumatic",
    "riskier": "safer",
    "better": "more favorable",
    "search terms": "key words subject terms",
    "search term": "key words subject terms",
    "search string": "key words subject terms",
    "search strings": "key words subject terms",
    "keywords": "key words subject terms",
    "boolean": "key words subject terms",
    "fix": "restore restoration",
    "fixes": "restore restoration",
    "fixing": "restore restoration",
    "more dangerous": "safer",
    "raised": "increased elevated",
    "goes up": "increased elevated",
    "go up": "increased elevated",
    "resemble": "similar",
    "resembles": "similar",
    "alike": "similar",
    "older": "age",
    "aging": "age",
    "ageing": "age",
    "elderly": "age",
    "recommend": "suggest",
    "recommends": "suggest",
    "recommended": "suggest",
    "recommendation": "suggest",
    "prefer": "suggest",
    "preferred": "suggest",
    "choose": "suggest",
    "pick": "suggest",
    "favour": "suggest",
    "favor": "suggest",
    "cancer": "tumor tumorigenicity",
    "harvest": "obtain aspirate collection isolation",
    "harvested": "obtained aspirated collection isolation",
    "harvesting": "obtaining aspirating collection isolation",
    "cancers": "tumor tumorigenicity",
    # Lay names of the cell types MSCs differentiate into.
    "cartilage": "chondrocytes",
    "bone cells": "osteoblasts",
    "muscle": "myoblasts",
    "fat cells": "adipocytes",
    "blockage": "obstructive obstruction",
    "blocked": "obstructive obstruction",
    "blockages": "obstructive obstruction",
    "prognosis": "favorable",
    "outlook": "favorable",
    # Clinicians' shorthand.
    "pt": "patient",
    "pts": "patients",
    "tx": "treatment",
    "dx": "diagnosis",
    "hx": "history",
    "bx": "biopsy",
    "sx": "symptoms",
    "f/u": "follow-up",
}
# Abbreviations of the field the review uses without defining in its list.
FIELD_ABBREVIATIONS: dict[str, str] = {
    "AT-MSC": "adipose tissue-derived mesenchymal stromal/stem cell",
    "BM-MSC": "bone marrow-derived mesenchymal stromal/stem cell",
    "UC-MSC": "umbilical cord mesenchymal stem cell",
    "hUC-MSC": "human umbilical cord mesenchymal stem cell",
    "ADSC": "adipose-derived stem cell",
    "SVF": "stromal-vascular fraction",
    "ESC": "embryonic stem cell",
    "PGC": "primordial germ cell",
    "RA": "retinoic acid",
    "OA": "obstructive azoospermia",
    "POF": "premature ovarian failure",
    "ED": "erectile dysfunction",
    "CT": "clinical trial",
    "SSC": "spermatogonial stem cell",
}


def _uses(text: str, abbreviation: str) -> bool:
    """An abbreviation is matched as a word (plural allowed), case-sensitively: a short one like "LS" is not "ls"."""
    return re.search(rf"(?<![\w-]){re.escape(abbreviation)}s?(?![\w-])", text) is not None


def _variants(expansion: str) -> list[str]:
    """'mesenchymal stromal/stem cell' → 'mesenchymal stromal cell', 'mesenchymal stem cell'."""
    match = re.search(r"(\w+)/\s*(\w+)", expansion)
    if not match:
        return [expansion]
    return [expansion[: match.start()] + word + expansion[match.end():] for word in match.groups()]


def _plain_words(text: str) -> list[str]:
    """Stems in order, a hyphenated word as its parts ("stromal-vascular" and "stromal vascular" alike)."""
    return lexical.tokenize(text.replace("-", " "))


@lru_cache(maxsize=4096)
def _variant_words(expansion: str) -> tuple[list[str], ...]:
    """The plain words of each variant of an expansion, worked out once: every question is checked against them all."""
    return tuple(_plain_words(variant) for variant in _variants(expansion))


def _contains_phrase(words: list[str], phrase: list[str]) -> bool:
    return bool(phrase) and any(words[i:i + len(phrase)] == phrase for i in range(len(words) - len(phrase) + 1))


def expand_query(question: str, abbreviations: dict[str, str]) -> str:
    """The question plus the expansions of the abbreviations and synonyms it uses, and the
    abbreviations of terms it spells out (compared as stemmed words, so plurals match)."""
    lowered = question.lower()
    words = _plain_words(question)
    extra: list[str] = []
    for abbr, expansion in {**FIELD_ABBREVIATIONS, **abbreviations}.items():
        if _uses(question, abbr):
            extra.append(expansion)
        elif len(expansion) > 6 and any(_contains_phrase(words, phrase) for phrase in _variant_words(expansion)):
            extra.append(abbr)
    for phrase, expansion in SYNONYMS.items():
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", lowered):
            extra.append(expansion)
    return " ".join([question, *extra])


@lru_cache(maxsize=1)
def _phrase_synonyms() -> re.Pattern:
    phrases = sorted((phrase for phrase in SYNONYMS if " " in phrase), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, phrases)) + r")(?![\w-])", re.IGNORECASE)


def in_review_terms(text: str) -> str:
    """The text with the everyday phrases the review says otherwise put in its words ("thrown away" → "removed"):
    the words of such a phrase, each alone, are no topic of their own."""
    return _phrase_synonyms().sub(lambda match: SYNONYMS[match.group(0).lower()], text)


def aliases(abbreviations: dict[str, str]) -> dict[str, frozenset[str]]:
    """Each word or abbreviation users may type (lower-cased) → the lexical stems of the review's terms it stands for:
    synonyms, abbreviations (the field's and the review's own) and the spellings of the tables' values."""
    found: dict[str, set[str]] = {}

    def add(spelling: str, meaning: str) -> None:
        found.setdefault(spelling.lower(), set()).update(lexical.tokenize(meaning))

    for phrase, expansion in SYNONYMS.items():
        add(phrase, expansion)
    for abbreviation, expansion in {**FIELD_ABBREVIATIONS, **abbreviations}.items():
        add(abbreviation, expansion)
    for term in VOCABULARY:
        for spelling in (*term.spellings, *term.synonyms):
            add(spelling, " ".join((term.label, *term.spellings)))
    for group, (_, labels) in GROUPS.items():
        add(group, " ".join(labels))
    return {spelling: frozenset(stems) for spelling, stems in found.items()}


def reworded(text: str, abbreviations: dict[str, str]) -> str:
    """A question as embedded against sentences: its abbreviations spelled out and the review's words for the everyday
    ones it uses ("turn into" → differentiate into), so that a paraphrase meets the sentence it paraphrases."""
    lowered = text.lower()
    extra = [expansion for phrase, expansion in SYNONYMS.items() if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", lowered)]
    spelled = spelled_out(text, abbreviations)
    return f"{spelled} ({'; '.join(extra)})" if extra else spelled


@lru_cache(maxsize=1)
def field_words() -> frozenset[str]:
    """Lower-cased words of the field's own vocabulary (abbreviations, synonyms, the tables' values): never "corrected"."""
    phrases = [*SYNONYMS, *SYNONYMS.values(), *FIELD_ABBREVIATIONS, *FIELD_ABBREVIATIONS.values(), *GROUPS]
    phrases += [spelling for term in VOCABULARY for spelling in (*term.spellings, *term.synonyms)]
    return frozenset(word for phrase in phrases for word in re.findall(r"[a-z]+", phrase.lower()))


def spelled_out(text: str, abbreviations: dict[str, str]) -> str:
    """`text` followed by the expansions of the abbreviations it uses, for embedding."""
    found = [f"{abbr}: {expansion}" for abbr, expansion in {**FIELD_ABBREVIATIONS, **abbreviations}.items()
             if _uses(text, abbr)]
    return f"{text} ({'; '.join(found)})" if found else text


# --- the tables' canonical values ------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One canonical value of a vocabulary: how cells spell it and what users type for it."""

    vocabulary: str
    label: str
    spellings: tuple[str, ...]  # as printed in the cells (the label is always one)
    synonyms: tuple[str, ...] = ()  # only for questions; a plain "s" plural is also accepted


def _terms(vocabulary: str, entries: Iterable[str | tuple]) -> list[Term]:
    """entries: "Label", or ("Label", (other cell spellings), (question synonyms)) with the tail optional."""
    terms = []
    for entry in entries:
        parts = (entry,) if isinstance(entry, str) else tuple(entry)
        label, spellings, synonyms = parts + ((), ())[len(parts) - 1:]
        terms.append(Term(vocabulary, label, (label, *spellings), tuple(synonyms)))
    return terms


VOCABULARY: tuple[Term, ...] = tuple(
    _terms("source", [
        ("Adipose tissue", (), ("adipose", "fat", "adipose-derived", "AT-MSC", "AT-MSCs", "ADSC", "ADSCs", "ASC", "ASCs")),
        ("Amniotic membrane", (), ("amniotic", "amniotic membrane-derived")),
        ("Amnion", (), ()),
        ("Bone marrow", (), ("marrow", "BM", "BM-MSC", "BM-MSCs", "BMSC", "BMSCs", "bone marrow-derived")),
        ("Chorion", (), ("chorionic",)),
        ("Endometrium", (), ("endometrial stem cells",)),
        "Follicular fluid",
        "Lung",
        ("Menstrual blood", (), ("menstrual", "period blood", "menses", "menstruation")),
        "Muscle",
        ("Ovary", (), ("ovarian stem cells",)),
        "Peritoneum",
        "Skin",
        ("Umbilical cord", (), ("cord", "UC", "UC-MSC", "UC-MSCs", "hUC-MSC", "hUC-MSCs", "hUCMSC", "UCMSC")),
        ("Urine", (), ("urine-derived", "urinary")),
        ("Wharton's jelly", (), ("WJ", "WJ-MSC", "WJ-MSCs", "Wharton")),
    ])
    + _terms("age", ["Adult", ("Fetal", (), ("foetal",))])
    + _terms("species", [
        ("Cow", (), ("bovine", "cattle")),
        ("Dog", (), ("canine",)),
        ("Goat", (), ("caprine",)),
        ("Guinea pig", (), ()),
        "Hamster",
        ("Human", (), ("humans",)),
        ("Mouse", (), ("mice", "murine")),
        ("Pig", (), ("porcine", "swine")),
        "Rat",
        ("Sheep", (), ("ram", "ovine")),
    ])
    + _terms("inducer", [
        ("bFGF", (), ("basic fibroblast growth factor",)),
        "BMP2", "BMP4", "BMP8b", "BMP15",
        "BOULE overexpression", "CD61 overexpression", "DAZL overexpression", "Oct4 overexpression", "STRA8 overexpression",
        "Cumulus cell-conditioned medium",
        ("EGF", (), ("epidermal growth factor",)),
        "Follicular fluid",
        "GDNF",
        "Human cumulus-conditioned medium",
        "Human follicular fluid",
        ("Inorganic zinc (sulfate)", (), ("zinc sulfate", "inorganic zinc")),
        ("LIF", (), ("leukemia inhibitory factor",)),
        ("Multi-wall carbon nanotubes", (), ("carbon nanotubes", "nanotubes")),
        ("Organic zinc (acetate)", (), ("zinc acetate", "organic zinc")),
        ("pCD61-CAGG-TRIP-pur (oCD61) plasmid", (), ("oCD61", "CD61 plasmid")),
        ("Placenta cell co-culture", (), ("placental cell co-culture",)),
        ("Placental cell-conditioned medium", (), ("placental conditioned medium",)),
        ("Polylactic acid", (), ("PLA",)),
        ("Retinoic acid", (), ("RA",)),
        ("Sertoli cell co-culture", ("Sertoli cells co-culture",)),
        ("Sertoli cell-conditioned medium", ("Sertoli cell-condition medium",)),
        ("Static magnetic field", (), ("magnetic field",)),
        "Testicular cell co-culture",
        ("Testicular cell-conditioned medium", ("Testicular cell conditioned medium",)),
        ("Testicular extracts", (), ("testicular extract",)),
        "Testosterone",
        ("TGF-β1", ("TGF- β 1", "TGF β 1", "TGFβ1"), ("TGF-beta1", "TGF-beta 1", "TGF-b1", "TGF beta")),
    ])
    + _terms("transplantation", [
        ("Allotransplant", (), ("allogeneic", "allogenic", "allotransplantation", "allograft", "allogeneic transplant", "allo",
                                 "same species", "same kind of animal", "same animal", "donor cells", "donated cells", "from donors", "donors")),
        ("Autotransplant", (), ("autologous", "autotransplantation", "autograft", "auto", "own cells", "their own cells",
                                "patient's own cells", "patient themselves", "own tissue")),
        ("Xenotransplant", (), ("xenogeneic", "xenogenic", "xenotransplantation", "xenograft", "xeno", "cross-species",
                                 "another species", "a different species", "other species", "different kind of animal",
                                 "another animal")),
    ])
    + _terms("therapeutic", [
        ("Cell", (), ("whole cells", "whole-cell")),
        ("Exosome", (), ("exosomes", "extracellular vesicles", "EVs")),
    ])
    + _terms("model", [
        "Busulfan",
        "Cisplatin",
        "Doxorubicin",
        ("Lead nitrate", (), ("lead-induced", "with lead", "use lead", "used lead", "using lead", "by lead", "lead toxicity",
                              "lead exposure", "lead poisoning")),
        ("Torsion", (), ("testicular torsion", "twisted testicle", "twisted testicles", "twisted testis", "testis twisting",
                         "torsion-detorsion")),
    ])
    + _terms("sex", [("Female", (), ("women", "woman", "oocyte", "oocyte-like", "egg", "female germ cell")),
                     ("Male", (), ("men", "man"))])
    + _terms("disease", [
        ("Atrophic endometrium", (), ()),
        ("Azoospermia", (), ("azoospermic", "NOA", "non-obstructive azoospermia", "nonobstructive azoospermia")),
        ("Endometrial dysplasia", (), ()),
        ("Erectile dysfunction", (), ("ED",)),
        ("Fistula vagina", (), ("vaginal fistula",)),
        ("Intrauterine adhesions", (), ("intrauterine adhesion", "Asherman", "Asherman's syndrome", "IUA")),
        ("Intraventricular hemorrhage", (), ("intraventricular haemorrhage", "IVH")),
        ("Oligospermia", (), ("oligozoospermia",)),
        ("Ovarian cancer", (), ()),
        ("Ovarian disease", (), ()),
        ("Premature ovarian failure", (), ("POF", "POI", "premature ovarian insufficiency", "ovarian failure")),
        ("Thin endometrium", (), ()),
        ("Uterine scar", (), ()),
        ("Uterus injury", (), ("uterine injury",)),
    ])
    + _terms("phase", ["1", "2", "4"])
    + _terms("country", [
        ("China", (), ("Chinese",)),
        ("Egypt", (), ("Egyptian",)),
        ("Indonesia", (), ("Indonesian",)),
        ("Jordan", (), ("Jordanian",)),
        ("Korea", (), ("South Korea", "Korean", "Republic of Korea")),
        ("Russia", (), ("Russian", "Russian Federation")),
        ("United States", (), ("USA", "US", "U.S.", "U.S.A.", "America", "American")),
    ])
    + _terms("stage", [
        ("Active", (), ("active, not recruiting", "ongoing", "underway", "in progress", "still running")),
        ("Completed", (), ("complete", "finished", "done yet", "already done", "ended")),
        ("Recruiting", (), ("enrolling", "still recruiting", "open to patients")),
    ])
)

# Words users type that stand for several canonical values at once.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "chemotherapy": ("model", ("Busulfan", "Cisplatin", "Doxorubicin")),
    "chemotherapy-induced": ("model", ("Busulfan", "Cisplatin", "Doxorubicin")),
    "chemical": ("model", ("Busulfan", "Cisplatin", "Doxorubicin", "Lead nitrate")),
    "chemicals": ("model", ("Busulfan", "Cisplatin", "Doxorubicin", "Lead nitrate")),
    "toxin": ("model", ("Busulfan", "Cisplatin", "Doxorubicin", "Lead nitrate")),
    "toxins": ("model", ("Busulfan", "Cisplatin", "Doxorubicin", "Lead nitrate")),
    "toxic": ("model", ("Busulfan", "Cisplatin", "Doxorubicin", "Lead nitrate")),
    "surgical": ("model", ("Torsion",)),
    "chemotherapeutic": ("model", ("Busulfan", "Cisplatin", "Doxorubicin")),
    "chemo": ("model", ("Busulfan", "Cisplatin", "Doxorubicin")),
    "drug": ("model", ("Busulfan", "Cisplatin", "Doxorubicin", "Lead nitrate")),
    "drugs": ("model", ("Busulfan", "Cisplatin", "Doxorubicin", "Lead nitrate")),
    "amnion-derived": ("source", ("Amniotic membrane", "Amnion")),
    "amnion": ("source", ("Amniotic membrane", "Amnion")),
    "follicular fluid": ("inducer", ("Follicular fluid", "Human follicular fluid")),
    "sertoli": ("inducer", ("Sertoli cell co-culture", "Sertoli cell-conditioned medium")),
    "sertoli cells": ("inducer", ("Sertoli cell co-culture", "Sertoli cell-conditioned medium")),
    "zinc": ("inducer", ("Inorganic zinc (sulfate)", "Organic zinc (acetate)")),
    "ongoing": ("stage", ("Recruiting", "Active")),
    "uterine": ("disease", ("Intrauterine adhesions", "Uterine scar", "Uterus injury", "Thin endometrium",
                            "Atrophic endometrium", "Endometrial dysplasia")),
    "uterus": ("disease", ("Intrauterine adhesions", "Uterine scar", "Uterus injury", "Thin endometrium",
                           "Atrophic endometrium", "Endometrial dysplasia")),
    "overexpression": ("inducer", ("BOULE overexpression", "CD61 overexpression", "DAZL overexpression",
                                   "Oct4 overexpression", "STRA8 overexpression")),
}


# --- English ------------------------------------------------------------------------------

def one_letter_off(word: str) -> set[str]:
    """Spellings one edit away (deleted, swapped, replaced or inserted letter)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b} | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in letters} | {a + c + b for a, b in splits for c in letters})


@lru_cache(maxsize=4096)
def english_zipf(word: str) -> float:
    """How common a word is in English, on the Zipf scale (≈ log10 of uses per billion words; 0 when unseen).
    wordfreq loads its list on first use, so questions that need no look-up never pay for it."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


# Typing slips are corrected only in words at least this long, rarer than the first figure in English, to a word
# at least as common as the second (Zipf scale): "diffrence" → difference, "tretment" → treatment; never NOA or busulfan.
_SLIP_MIN_LETTERS, _SLIP_RARER_THAN, _SLIP_CORRECTION_AT_LEAST = 5, 2.5, 4.5


def corrected(text: str, keep: frozenset[str] = frozenset()) -> str:
    """`text` with its typing slips of common English words corrected; words in `keep` (the field's own) untouched."""
    def fix(match: re.Match) -> str:
        word = match.group(0)
        if len(word) < _SLIP_MIN_LETTERS or word in keep or english_zipf(word) >= _SLIP_RARER_THAN:
            return word
        best = max(one_letter_off(word), key=english_zipf)
        return best if english_zipf(best) >= _SLIP_CORRECTION_AT_LEAST else word
    return re.sub(r"(?<!')\b[a-z]+\b(?!')", fix, text)  # (not a contraction's part: "weren't" is no slip of "were")


# --- matching spellings in text ---------------------------------------------------------


def normalise_spelling(text: str) -> str:
    """Whitespace collapsed, curly apostrophes straightened: how cells and questions are compared."""
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("‘", "'")).strip()


def is_acronym(spelling: str) -> bool:
    """Short upper-case spellings ("US", "UC", "RA", "ED") only match when typed in capitals."""
    return spelling.isupper() and len(spelling) <= 3


@dataclass(frozen=True)
class Matcher:
    """Longest-first spellings → meanings, indexed by first letter (lower-cased)."""

    by_first: dict[str, tuple[tuple[str, bool, Any], ...]]  # letter → (needle, case-sensitive, meaning)

    def match_at(self, text: str, lowered: str, start: int) -> tuple[int, Any] | None:
        """(end, meaning) of the longest spelling at `start` that ends at a word boundary."""
        for needle, case_sensitive, meaning in self.by_first.get(lowered[start], ()):
            end = start + len(needle)
            if (text if case_sensitive else lowered).startswith(needle, start) and (end == len(text) or not text[end].isalnum()):
                return end, meaning
        return None


def matcher(pairs: Iterable[tuple[str, Any]]) -> Matcher:
    """A Matcher over (spelling, meaning) pairs; a later pair wins over an earlier one with the same spelling."""
    unique: dict[str, tuple[str, bool, Any]] = {}
    for spelling, meaning in pairs:
        spelling = normalise_spelling(spelling)
        acronym = is_acronym(spelling)
        needle = spelling if acronym else spelling.lower()
        unique[needle] = (needle, acronym, meaning)
    by_first: dict[str, list[tuple[str, bool, Any]]] = {}
    for entry in sorted(unique.values(), key=lambda entry: -len(entry[0])):
        by_first.setdefault(entry[0][:1].lower(), []).append(entry)
    return Matcher({first: tuple(entries) for first, entries in by_first.items()})
