"""Errors as values that point back to their source.

Every failure a user can cause carries a stable ``code``, a bilingual :class:`~kechuang.core.i18n.Msg`
and, when it comes from a file, the file, row, column and offending value, plus the rule that was
broken. Interfaces (CLI, API) render these; domains raise them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from kechuang.core.i18n import Msg


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in one place of the input.

    Attributes:
        rule: stable machine-readable rule name, e.g. ``uscc.check_char`` or ``import.required``.
        message: what is wrong, in Chinese and English.
        file: the input file name, when the input was a file.
        row: 1-based row number as a spreadsheet shows it (the header is row 1).
        column: the column header as written in the file (or the field name).
        value: the offending value as read, rendered as text.
        severity: ``error`` rejects the input; ``warning`` is reported and the input proceeds.
    """

    rule: str
    message: Msg
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        """Flat dict with ``message_zh`` / ``message_en`` (for JSON, CSV and XLSX reports)."""
        data = asdict(self)
        msg = data.pop("message")
        data["message_zh"] = msg["zh"]
        data["message_en"] = msg["en"]
        return data

    def where(self) -> str:
        """Human location such as ``enterprises.csv:7 [统一社会信用代码]``."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(str(self.row))
        loc = ":".join(parts)
        if self.column:
            loc = f"{loc} [{self.column}]" if loc else f"[{self.column}]"
        return loc


class KechuangError(Exception):
    """Base class of every error kechuang raises on purpose.

    Attributes:
        code: stable machine-readable error code.
        message: bilingual message.
        issues: detailed issues (possibly empty).
    """

    code: str = "error"

    def __init__(self, message: Msg, *, code: str | None = None, issues: Sequence[Issue] = ()):
        super().__init__(message.both())
        self.message = message
        if code is not None:
            self.code = code
        self.issues: list[Issue] = list(issues)

    def __str__(self) -> str:
        return self.message.text()


class ValidationError(KechuangError):
    """Input broke a rule (a field value, an identifier, a business rule)."""

    code = "validation_error"


class InvalidIdentifier(ValidationError):
    """An identifier (USCC, patent number) is malformed; ``rule`` says which check failed."""

    code = "invalid_identifier"

    def __init__(self, message: Msg, *, rule: str, value: str = ""):
        super().__init__(message, issues=[Issue(rule=rule, message=message, value=value)])
        self.rule = rule
        self.value = value


class NotFound(KechuangError):
    """A record looked up by its key does not exist."""

    code = "not_found"


class Conflict(KechuangError):
    """A write clashes with the current state (duplicate key, stale version, invalid transition)."""

    code = "conflict"


class ImportRejected(KechuangError):
    """A whole file was rejected; nothing was written. ``issues`` lists every problem found."""

    code = "import_rejected"


@dataclass(slots=True)
class IssueCollector:
    """Accumulates issues while checking a batch of input, so all problems are reported at once."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        """Record one issue."""
        self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        """Record several issues."""
        self.issues.extend(issues)

    @property
    def errors(self) -> list[Issue]:
        """Issues that reject the input."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """Issues reported without rejecting the input."""
        return [i for i in self.issues if i.severity == "warning"]
