"""Plain Unicode from the LaTeX found in BibTeX fields: accents, symbols, spacing commands, inline math.

Our own regular expressions rather than pylatexenc (which bibtexparser uses): on the
real-world files pylatexenc drops the μ of `\\mbox{$\\mu$}` and raises RecursionError
on deeply nested braces; every pass here is one linear regular-expression scan.
"""

from __future__ import annotations

import re
import unicodedata

from .common import clean, script

_COMBINING = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "r": "\u030a", "k": "\u0328",
    "d": "\u0323", "b": "\u0331",
}  # fmt: skip
_SYMBOLS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "o": "ø", "O": "Ø",
    "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ",
    "textendash": "–", "textemdash": "—", "textquoteright": "’", "textquoteleft": "‘", "ldots": "…", "dots": "…",
    "textregistered": "®", "texttrademark": "™", "textdegree": "°", "degree": "°", "textmu": "μ",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ", "eta": "η",
    "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "pm": "±", "mp": "∓", "times": "×", "cdot": "·", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "approx": "≈",
    "sim": "~", "infty": "∞", "circ": "°", "to": "→", "rightarrow": "→", "leftarrow": "←",
}  # fmt: skip
_SYMBOL_RE = re.compile(r"\\(" + "|".join(sorted(_SYMBOLS, key=len, reverse=True)) + r")(?![A-Za-z])\s*(?:\{\})?")
_PUNCT_ACCENT_RE = re.compile(r"""\\(["'`^~=.])\s*(?:\{\s*([A-Za-zıȷ])\s*\}|([A-Za-zıȷ]))""")
_LETTER_ACCENT_RE = re.compile(r"\\([cvuHrkdb])(?:\s*\{\s*([A-Za-zıȷ])\s*\}|\s+([A-Za-zıȷ]))")
# Spacing commands: thin, medium and thick spaces, quads, a control space.
_SPACING_RE = re.compile(r"\\(?:[,;:> ]|(?:quad|qquad|enspace|thinspace)(?![A-Za-z]))")
# Inline math $…$ (an escaped \$ neither opens nor closes it).
_MATH_RE = re.compile(r"(?<!\\)\$([^$]*?)(?<!\\)\$")
_SCRIPT_RE = re.compile(r"([\^_])(?:\{([^{}]*)\}|(\\?[^\s{}\\]))")
_NEEDS_WORK = re.compile(r"[\\{}$~]|--")


def _math(formula: str) -> str:
    formula = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(1)], formula)
    return _SCRIPT_RE.sub(lambda m: script(m.group(2) if m.group(2) is not None else m.group(3), m.group(1) == "^"), formula)


def _accented(match: re.Match[str]) -> str:
    """The letter of an accent command followed by its combining mark (NFC merges them)."""
    letter = (match.group(2) or match.group(3)).replace("ı", "i").replace("ȷ", "j")
    return letter + _COMBINING[match.group(1)]


def delatex(text: str) -> str:
    """Plain Unicode from BibTeX/LaTeX markup: accents, escapes, dashes, spacing, math, braces."""
    if not _NEEDS_WORK.search(text):
        return clean(text)
    text = _MATH_RE.sub(lambda m: _math(m.group(1)), text)
    text = re.sub(r"(?<!\\)\$", "", text)  # an unpaired $
    text = _SPACING_RE.sub(" ", text)
    text = text.replace("\\-", "").replace("\\!", "")  # discretionary hyphen, negative thin space
    text = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(1)], text)
    text = _PUNCT_ACCENT_RE.sub(_accented, text)
    text = _LETTER_ACCENT_RE.sub(_accented, text)
    text = re.sub(r"\\([&%$#_])", r"\1", text)
    text = re.sub(r"\\[A-Za-z]+\*?\s*", "", text)  # \emph, \textit, \mbox …: keep their argument
    text = text.replace("---", "—").replace("--", "–")
    text = re.sub(r"(?<!\\)~", " ", text)
    text = text.replace("{", "").replace("}", "").replace("\\", "")
    return clean(unicodedata.normalize("NFC", text))
