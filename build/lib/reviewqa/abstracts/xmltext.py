"""Readable text from XML mixed content: inline markup, <sup>/<sub>, and MathML.

Joining MathML's text nodes gives letter soup ("V . O 2 m a x"); rendering its layout
elements gives "V̇O2max", "ηp²", "³He/¹²⁹Xe MRI". Nesting deeper than _MAX_DEPTH is
joined flat rather than followed, so hostile XML cannot exhaust the recursion limit.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .common import clean, script

_MAX_DEPTH = 60
_TOKENS = {"mi", "mn", "mo", "mtext", "ms", "ci", "cn", "csymbol"}  # presentation and content MathML
_ANNOTATIONS = {"annotation", "annotation-xml"}
# Accents written above a base (<mover>) and the combining mark that puts them there.
_ACCENTS = {
    ".": "\u0307", "˙": "\u0307", "¨": "\u0308", "¯": "\u0304", "‾": "\u0304", "-": "\u0304", "_": "\u0304",
    "^": "\u0302", "ˆ": "\u0302", "~": "\u0303", "˜": "\u0303", "→": "\u20d7",
}  # fmt: skip


def local_name(tag: object) -> str:
    """An element's name without its namespace ("{http://…/MathML}mi" → "mi"); "" for comments."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _grouped(text: str) -> str:
    return text if len(text) <= 1 else f"({text})"


def _math(element: ET.Element, depth: int) -> str:
    name = local_name(element.tag)
    if depth > _MAX_DEPTH:
        return "".join(element.itertext())
    if name in _TOKENS:
        text = element.text or ""
        return " " if text and not text.strip() else text.strip()
    if name == "mspace":
        return " "
    parts = [_math(child, depth + 1) for child in element if local_name(child.tag) not in _ANNOTATIONS]
    if name == "semantics":
        return parts[0] if parts else ""
    if name in ("msub", "msup", "msubsup") and len(parts) >= 2:
        scripts = {"msub": (False,), "msup": (True,), "msubsup": (False, True)}[name]
        return parts[0] + "".join(script(text, superscript) for text, superscript in zip(parts[1:], scripts))
    if name in ("mover", "munder", "munderover") and len(parts) >= 2:
        accent = _ACCENTS.get(parts[-1].strip()) if name == "mover" else None
        return parts[0] + accent if accent else "".join(parts)
    if name == "mfrac" and len(parts) == 2:
        return f"{_grouped(parts[0])}/{_grouped(parts[1])}"
    if name == "msqrt":
        return "√" + _grouped("".join(parts))
    if name == "mroot" and len(parts) == 2:
        return script(parts[1], True) + "√" + _grouped(parts[0])
    if name == "mmultiscripts" and parts:
        return _multiscripts(element, parts)
    if name == "mfenced":
        separator = element.get("separators", ",").strip()[:1]
        return element.get("open", "(") + separator.join(parts) + element.get("close", ")")
    if name in ("mtable", "mtr", "mtd"):
        return " ".join(parts)
    return "".join(parts)


def _multiscripts(element: ET.Element, parts: list[str]) -> str:
    """<mmultiscripts>: base, (subscript, superscript) pairs after it, <mprescripts/>, pairs before it."""
    names = [local_name(child.tag) for child in element if local_name(child.tag) not in _ANNOTATIONS]
    split = names.index("mprescripts") if "mprescripts" in names else len(parts)
    base, post, pre = parts[0], parts[1:split], parts[split + 1 :]

    def pairs(scripts: list[str]) -> str:
        return "".join(script(text, index % 2 == 1) for index, text in enumerate(scripts) if text.strip())

    return pairs(pre) + base + pairs(post)


def _mixed(element: ET.Element, depth: int) -> str:
    parts = [element.text or ""]
    for child in element:
        name = local_name(child.tag)
        if name == "math":
            parts.append(clean(_math(child, 0)))
        elif depth > _MAX_DEPTH:
            parts.append("".join(child.itertext()))
        elif name in ("sup", "sub"):
            parts.append(script(clean(_mixed(child, depth + 1)), name == "sup"))
        else:
            parts.append(_mixed(child, depth + 1))
        parts.append(child.tail or "")
    return "".join(parts)


def element_text(element: ET.Element | None) -> str:
    """The text of `element` and everything in it, MathML and super/subscripts rendered, whitespace collapsed."""
    return clean(_mixed(element, 0)) if element is not None else ""
