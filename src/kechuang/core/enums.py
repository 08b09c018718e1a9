"""String enums with bilingual labels: the base of every closed vocabulary in kechuang."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Self, TypeVar

from kechuang.core.i18n import Msg

E = TypeVar("E", bound="LabelledEnum")


_LABELS: dict[type, dict[str, Msg]] = {}


def labels(table: dict[str, Msg]) -> Callable[[type[E]], type[E]]:
    """Class decorator attaching bilingual labels to the members of a :class:`LabelledEnum`."""

    def attach(cls: type[E]) -> type[E]:
        missing = {m.value for m in cls} - set(table)
        if missing:
            raise TypeError(f"{cls.__name__}: no label for {sorted(missing)}")
        _LABELS[cls] = table
        return cls

    return attach


class LabelledEnum(StrEnum):
    """A string enum whose members carry a bilingual label (see :func:`labels`)."""

    @property
    def label(self) -> Msg:
        """Bilingual label of the member."""
        return _LABELS.get(type(self), {}).get(self.value, Msg(self.value, self.value))

    @classmethod
    def parse(cls, text: str) -> Self | None:
        """Find a member by value, English label or Chinese label (case-insensitive); else ``None``."""
        needle = text.strip()
        low = needle.lower()
        table = _LABELS.get(cls, {})
        for member in cls:
            label = table.get(member.value)
            if member.value == low or (
                label is not None and (needle == label.zh or low == label.en.lower())
            ):
                return member
        return None
