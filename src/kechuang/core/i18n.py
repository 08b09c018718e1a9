"""Bilingual text: Chinese first, English available.

The language is chosen once per process from ``KECHUANG_LANG`` (``zh`` by default, ``en``
for English); the CLI's ``--lang`` option sets that variable before anything is printed.
Every user-facing message in kechuang is a :class:`Msg` carrying both languages, so an
error can be shown in either and stored with both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]

SUPPORTED: tuple[Lang, ...] = ("zh", "en")


def current_lang() -> Lang:
    """Return the active language: ``en`` when ``KECHUANG_LANG`` starts with ``en``, else ``zh``."""
    value = os.environ.get("KECHUANG_LANG", "zh").strip().lower()
    return "en" if value.startswith("en") else "zh"


def set_lang(lang: str) -> Lang:
    """Set the process language (used by ``--lang``); returns the normalised value."""
    norm: Lang = "en" if lang.strip().lower().startswith("en") else "zh"
    os.environ["KECHUANG_LANG"] = norm
    return norm


@dataclass(frozen=True, slots=True)
class Msg:
    """A message in Chinese and English.

    Attributes:
        zh: the Chinese text (shown by default).
        en: the English text.
    """

    zh: str
    en: str

    def text(self, lang: Lang | None = None) -> str:
        """Return the text in ``lang`` (default: the process language)."""
        return self.en if (lang or current_lang()) == "en" else self.zh

    def both(self) -> str:
        """Return ``"中文 / English"``, for places (logs, files) that should carry both."""
        return f"{self.zh} / {self.en}"

    def format(self, **kwargs: object) -> Msg:
        """Fill ``{placeholders}`` in both languages."""
        return Msg(self.zh.format(**kwargs), self.en.format(**kwargs))

    def __str__(self) -> str:
        return self.text()


def tr(zh: str, en: str) -> str:
    """Pick ``zh`` or ``en`` by the process language (for labels and help text)."""
    return Msg(zh, en).text()
