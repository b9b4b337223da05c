"""Pinyin initials for search: 张三丰 -> "zsf"."""

from functools import lru_cache

from pypinyin import Style, pinyin


@lru_cache(maxsize=16384)
def _initial(char: str) -> str:
    if char.isspace():
        return ""
    if char.isascii():
        return char.lower()
    readings = pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
    return readings[0][0].lower() if readings and readings[0] else ""


def initials(text: str) -> str:
    """Per character, the first letter of its most common reading; other characters kept as they are.

    Character by character (cached) rather than by phrase: import speed matters more than the
    rare surname that reads differently, and search by initials is a prefix match anyway.
    """
    return "".join(map(_initial, text))  # whitespace maps to ""
