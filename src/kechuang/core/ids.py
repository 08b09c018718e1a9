"""Chinese identifiers: the unified social credit code and patent application numbers.

Two identifiers carry most of kechuang's keys: the enterprise's **unified social credit code**
(统一社会信用代码, USCC, GB 32100-2015) and the **patent application number** (专利申请号,
ZC 0006-2003, and the 8-digit form used before October 2003). This module normalises what users
type or paste (full-width characters, spaces, lowercase, ``CN``/``ZL`` prefixes), checks every
rule in a fixed order and, when a rule fails, raises
:class:`~kechuang.core.errors.InvalidIdentifier` whose ``rule`` names the check and whose bilingual
message says exactly what is wrong and, where it can, what the right value would be.

Rules and their status follow ``RULES.md`` section 4:

* USCC structure, character set and the mod-31 check character: **[confirmed]**.
* USCC organisation-category table (position 2) and the GB 11714 organisation-code check digit
  (position 17): **[unconfirmed]**. Both are checked by default and can be skipped with
  ``strict=False``; their messages say the rule is unverified (规则待核实).
* Patent application number format since 2003 and its check character: **[confirmed]**; the
  pre-2003 8-digit form: **[confirmed]** example; the ``CN`` prefix convention: **[unconfirmed]**.

Order of the USCC checks (the first failing one is reported)::

    empty → length → charset (positions 1-17) → authority (1) → division (3-8)
          → check_char (18) → category (2) → org_code (9-17)

Format rules come first because they are certain and point at the exact position. The confirmed
mod-31 check character comes next, before the unconfirmed semantic rules, so those only ever fire
on a code that passes every confirmed rule. A corrupted check character therefore always reports
``uscc.check_char`` (also when it was replaced by a character outside the character set), and any
single-character substitution is rejected: the weights ``3^(i-1) mod 31`` are all non-zero modulo
the prime 31, so the mod-31 sum detects every substitution within the character set, and every
other substitution breaks the character set.

Order of the patent-number checks::

    empty → charset → format (dots) → length → type_code → year → missing_check → check_char
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Final, Literal

from stdnum.cn import uscc as _stdnum_uscc

from kechuang.core.errors import InvalidIdentifier
from kechuang.core.i18n import Msg

__all__ = [
    "ORG_CODE_WEIGHTS",
    "PATENT_KINDS",
    "USCC_AUTHORITIES",
    "USCC_CATEGORIES",
    "USCC_CHARSET",
    "USCC_EXCLUDED_LETTERS",
    "PatentApplicationNumber",
    "PatentKind",
    "Uscc",
    "is_valid_patent_no",
    "is_valid_uscc",
    "make_patent_no",
    "make_uscc",
    "normalize_patent_no",
    "normalize_uscc",
    "org_code_check_char",
    "patent_check_char",
    "uscc_check_char",
    "validate_patent_no",
    "validate_uscc",
]

# ---------------------------------------------------------------- text normalisation

_FULLWIDTH_FIRST: Final = 0xFF01  # "！"
_FULLWIDTH_LAST: Final = 0xFF5E  # "～"
_FULLWIDTH_OFFSET: Final = 0xFEE0  # full-width code point − half-width code point
_IDEOGRAPHIC_SPACE: Final = "\u3000"
_INVISIBLE: Final = frozenset("\u200b\u200c\u200d\u2060\ufeff")  # zero-width chars, BOM
_DASHES: Final = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63")
_CST: Final = timezone(timedelta(hours=8), "CST")


def _halfwidth_upper(raw: str) -> str:
    """Map full-width ASCII (and the ideographic space) to half-width and upper-case ``a``-``z``.

    Only ASCII letters are upper-cased, so the length of the text never changes (``"ß".upper()``
    would) and positions reported in messages match what the user typed after this mapping.
    """
    out: list[str] = []
    for ch in raw:
        code = ord(ch)
        if _FULLWIDTH_FIRST <= code <= _FULLWIDTH_LAST:
            ch = chr(code - _FULLWIDTH_OFFSET)
        elif ch == _IDEOGRAPHIC_SPACE:
            ch = " "
        if "a" <= ch <= "z":
            ch = ch.upper()
        out.append(ch)
    return "".join(out)


def _show(ch: str) -> str:
    """Render one character for a message: itself when printable, else ``U+XXXX``."""
    return ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"


# ================================================================ USCC

USCC_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 symbols of GB 32100 in value order (a character's value is its index)."""

USCC_EXCLUDED_LETTERS: Final = "IOSVZ"
"""Capital letters GB 32100 does not use (they look like 1, 0, 5, U and 2)."""

_USCC_LOOKALIKE: Final[Mapping[str, str]] = MappingProxyType(
    {"I": "1", "O": "0", "S": "5", "V": "U", "Z": "2"}
)
_USCC_LENGTH: Final = 18

ORG_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
"""GB 11714 weights over the first 8 characters of an organisation code [unconfirmed]."""

_ORG_CODE_VALUES: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # value = index (A=10 … Z=35)

USCC_AUTHORITIES: Final[Mapping[str, Msg]] = MappingProxyType(
    {
        "1": Msg("机构编制", "institutional establishment"),
        "2": Msg("外交", "foreign affairs"),
        "3": Msg("司法行政", "judicial administration"),
        "4": Msg("文化", "culture"),
        "5": Msg("民政", "civil affairs"),
        "6": Msg("旅游", "tourism"),
        "7": Msg("宗教", "religious affairs"),
        "8": Msg("工会", "trade unions"),
        "9": Msg("市场监管", "market regulation"),
        "A": Msg("中央军委改革和编制办公室", "CMC reform and establishment office"),
        "N": Msg("农业", "agriculture"),
        "Y": Msg("其他", "other"),
    }
)
"""Registration-authority code (position 1) → name [confirmed, RULES.md §4].

``9`` is the former 工商 (industry and commerce) administration, now market regulation.
"""

_CATEGORY_OTHER: Final = Msg("其他", "other")


def _generic_category(code: str) -> Msg:
    return Msg(f"类别 {code}（名称待核实）", f"category {code} (name unverified)")


USCC_CATEGORIES: Final[Mapping[str, Mapping[str, Msg]]] = MappingProxyType(
    {
        "1": MappingProxyType(
            {
                "1": Msg("机关", "government agency"),
                "2": Msg("事业单位", "public institution"),
                "3": Msg("群众团体", "mass organisation"),
                "9": _CATEGORY_OTHER,
            }
        ),
        "2": MappingProxyType(
            {
                "1": Msg("外国常驻新闻机构", "resident foreign news agency"),
                "2": _generic_category("2"),
                "3": _generic_category("3"),
                "9": _CATEGORY_OTHER,
            }
        ),
        "3": MappingProxyType(
            {
                "1": Msg("律师执业机构", "law firm"),
                "2": Msg("公证处", "notary office"),
                "3": Msg("基层法律服务所", "grassroots legal service office"),
                "4": Msg("司法鉴定机构", "forensic appraisal institution"),
                "5": Msg("仲裁委员会", "arbitration commission"),
                "9": _CATEGORY_OTHER,
            }
        ),
        "4": MappingProxyType(
            {
                "1": Msg("外国在华文化中心", "foreign cultural centre in China"),
                "2": _generic_category("2"),
                "3": _generic_category("3"),
                "9": _CATEGORY_OTHER,
            }
        ),
        "5": MappingProxyType(
            {
                "1": Msg("社会团体", "social organisation"),
                "2": Msg("民办非企业单位", "private non-enterprise unit"),
                "3": Msg("基金会", "foundation"),
                "9": _CATEGORY_OTHER,
            }
        ),
        "6": MappingProxyType(
            {
                "1": Msg("外国旅游部门常驻代表机构", "resident office of a foreign tourism body"),
                "2": Msg(
                    "港澳台地区旅游部门常驻内地（大陆）代表机构",
                    "resident office of a Hong Kong, Macao or Taiwan tourism body",
                ),
                "3": _generic_category("3"),
                "9": _CATEGORY_OTHER,
            }
        ),
        "7": MappingProxyType(
            {
                "1": Msg("宗教活动场所", "place of religious activity"),
                "2": Msg("宗教院校", "religious college"),
                "3": _generic_category("3"),
                "9": _CATEGORY_OTHER,
            }
        ),
        "8": MappingProxyType(
            {
                "1": Msg("基层工会", "grassroots trade union"),
                "2": _generic_category("2"),
                "3": _generic_category("3"),
                "9": _CATEGORY_OTHER,
            }
        ),
        "9": MappingProxyType(
            {
                "1": Msg("企业", "enterprise"),
                "2": Msg("个体工商户", "individual business"),
                "3": Msg("农民专业合作社", "farmers' cooperative"),
            }
        ),
        "A": MappingProxyType(
            {
                "1": Msg("军队事业单位", "military public institution"),
                "2": _generic_category("2"),
                "3": _generic_category("3"),
                "9": _CATEGORY_OTHER,
            }
        ),
        "N": MappingProxyType(
            {
                "1": Msg("组级集体经济组织", "group-level collective economic organisation"),
                "2": Msg("村级集体经济组织", "village-level collective economic organisation"),
                "3": Msg("乡镇级集体经济组织", "township-level collective economic organisation"),
                "9": _CATEGORY_OTHER,
            }
        ),
        "Y": MappingProxyType({"1": _CATEGORY_OTHER}),
    }
)
"""Accepted organisation categories (position 2) per authority → name. **[unconfirmed]**

Only the authority-9 meanings (1 enterprise, 2 individual business, 3 farmers' cooperative) appear
in RULES.md, and they too are marked unconfirmed; the rest is from general knowledge of the
GB 32100 annex. The table is deliberately conservative about *rejecting*: every authority accepts
1, 2, 3 and 9 (authority 9 accepts 1, 2, 3; authority Y accepts 1), and authority 3 (司法行政)
also accepts 4 (司法鉴定机构) and 5 (仲裁委员会). Codes whose name is not known are accepted with a
generic, explicitly unverified name. ``validate_uscc(..., strict=False)`` skips this check.
"""


@dataclass(frozen=True, slots=True)
class Uscc:
    """A valid unified social credit code, split into its parts.

    Attributes:
        code: the normalised 18-character code, e.g. ``91350100M000100Y43``.
        authority: registration-authority code (position 1), e.g. ``9``.
        authority_name: the authority's name, e.g. 市场监管 / market regulation.
        category: organisation-category code (position 2), e.g. ``1``.
        category_name: the category's name under its authority, e.g. 企业 / enterprise.
        division_code: administrative-division code of the registering authority (positions 3-8).
        org_code: the 9-character organisation code (positions 9-17), check digit included.
    """

    code: str
    authority: str
    authority_name: Msg
    category: str
    category_name: Msg
    division_code: str
    org_code: str

    @property
    def org_code_display(self) -> str:
        """The organisation code as usually printed, ``XXXXXXXX-X``."""
        return f"{self.org_code[:8]}-{self.org_code[8]}"

    @property
    def check_char(self) -> str:
        """The check character (position 18)."""
        return self.code[-1]

    @property
    def kind(self) -> str:
        """Short ``authority/category`` tag, e.g. ``9/1`` for an enterprise."""
        return f"{self.authority}/{self.category}"

    def describe(self) -> Msg:
        """What kind of entity this is, e.g. ``市场监管部门登记 · 企业 / market regulation · enterprise``."""
        return Msg(
            f"{self.authority_name.zh}部门登记 · {self.category_name.zh}",
            f"{self.authority_name.en} · {self.category_name.en}",
        )

    def __str__(self) -> str:
        return self.code


def normalize_uscc(raw: str) -> str:
    """Clean up a USCC as typed or pasted, without validating it.

    Maps full-width ASCII to half-width, removes all whitespace (including the full-width space and
    zero-width characters) and hyphens/dashes anywhere, and upper-cases ASCII letters.

    Args:
        raw: the code as entered, e.g. ``" ９１３５０１００-m000100y43 "``.

    Returns:
        The cleaned text, e.g. ``91350100M000100Y43`` (possibly still invalid).
    """
    text = _halfwidth_upper(raw)
    return "".join(ch for ch in text if not (ch.isspace() or ch in _DASHES or ch in _INVISIBLE))


def _check_uscc_body(text: str, *, what: str) -> None:
    """Raise ``ValueError`` unless ``text`` consists of USCC characters only."""
    for pos, ch in enumerate(text, start=1):
        if ch not in USCC_CHARSET:
            raise ValueError(f"{what}: character {ch!r} at position {pos} is not in {USCC_CHARSET}")


def uscc_check_char(first17: str) -> str:
    """Compute the USCC check character (position 18), GB 32100 / GB/T 17710 mod-31 method.

    Args:
        first17: the first 17 characters, already normalised.

    Returns:
        One character of :data:`USCC_CHARSET`.

    Raises:
        ValueError: ``first17`` is not 17 characters of the USCC character set.
    """
    if len(first17) != _USCC_LENGTH - 1:
        raise ValueError(f"expected 17 characters, got {len(first17)}: {first17!r}")
    _check_uscc_body(first17, what="USCC body")
    return str(_stdnum_uscc.calc_check_digit(first17))


def org_code_check_char(first8: str) -> str:
    """Compute the GB 11714 organisation-code check digit (USCC position 17). **[unconfirmed]**

    Weights ``3,7,9,10,5,8,4,2`` over the 8 characters, digits valued 0-9 and letters A=10 … Z=35;
    ``C = 11 − (sum mod 11)``, where 10 is written ``X`` and 11 is written ``0``. RULES.md marks
    this rule unconfirmed; ``M000100Y`` → ``4`` matches the GB 32100 example.

    Args:
        first8: the first 8 characters of the organisation code (digits and capital letters).

    Returns:
        ``0``-``9`` or ``X``.

    Raises:
        ValueError: ``first8`` is not 8 characters of ``0-9A-Z``.
    """
    if len(first8) != len(ORG_CODE_WEIGHTS):
        raise ValueError(f"expected 8 characters, got {len(first8)}: {first8!r}")
    total = 0
    for ch, weight in zip(first8, ORG_CODE_WEIGHTS, strict=True):
        value = _ORG_CODE_VALUES.find(ch)
        if value < 0:
            raise ValueError(f"organisation code: character {ch!r} is not in 0-9A-Z")
        total += value * weight
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def make_uscc(
    *, authority: str = "9", category: str = "1", division: str = "310115", org8: str
) -> str:
    """Build a valid USCC (both check characters computed) for tests, samples and benchmarks.

    Args:
        authority: registration-authority code, a key of :data:`USCC_AUTHORITIES`.
        category: organisation category accepted for ``authority`` (:data:`USCC_CATEGORIES`).
        division: 6-digit administrative-division code.
        org8: first 8 characters of the organisation code, from :data:`USCC_CHARSET`.

    Returns:
        An 18-character code that :func:`validate_uscc` accepts.

    Raises:
        ValueError: any part is outside what :func:`validate_uscc` accepts.
    """
    authority, category, org8 = authority.upper(), category.upper(), org8.upper()
    if authority not in USCC_AUTHORITIES:
        raise ValueError(f"unknown registration authority {authority!r}")
    if category not in USCC_CATEGORIES[authority]:
        raise ValueError(f"category {category!r} is not accepted for authority {authority!r}")
    if len(division) != 6 or not (division.isascii() and division.isdigit()):
        raise ValueError(f"division must be 6 digits, got {division!r}")
    if len(org8) != 8:
        raise ValueError(f"org8 must be 8 characters, got {org8!r}")
    _check_uscc_body(org8, what="org8")
    # The organisation-code check digit is 0-9 or X, all of which are in the USCC charset.
    first17 = f"{authority}{category}{division}{org8}{org_code_check_char(org8)}"
    return first17 + uscc_check_char(first17)


def _uscc_error(rule: str, raw: str, zh: str, en: str) -> InvalidIdentifier:
    return InvalidIdentifier(Msg(zh, en), rule=rule, value=raw)


def _allowed_list(codes: list[str]) -> tuple[str, str]:
    return "、".join(codes), ", ".join(codes)


def validate_uscc(raw: str, *, strict: bool = True) -> Uscc:
    """Validate a unified social credit code and split it into its parts.

    The input is first cleaned with :func:`normalize_uscc`. Checks run in the order given in the
    module docstring and the first failure is raised.

    Args:
        raw: the code as entered.
        strict: also apply the **[unconfirmed]** rules (``uscc.category`` and ``uscc.org_code``).
            With ``strict=False`` a category missing from :data:`USCC_CATEGORIES` gets a generic
            name and the organisation-code check digit is not checked.

    Returns:
        The parsed :class:`Uscc`.

    Raises:
        InvalidIdentifier: with ``rule`` one of ``uscc.empty``, ``uscc.length``, ``uscc.charset``,
            ``uscc.authority``, ``uscc.division``, ``uscc.check_char``, ``uscc.category``,
            ``uscc.org_code``.
    """
    code = normalize_uscc(raw)
    if not code:
        raise _uscc_error(
            "uscc.empty", raw, "统一社会信用代码为空", "the unified social credit code is empty"
        )
    if len(code) != _USCC_LENGTH:
        raise _uscc_error(
            "uscc.length",
            raw,
            f"统一社会信用代码应为 18 位，实为 {len(code)} 位（{code}）",
            f"a unified social credit code has 18 characters, found {len(code)} ({code})",
        )
    for pos, ch in enumerate(code[:-1], start=1):
        if ch not in USCC_CHARSET:
            hint_zh = hint_en = ""
            if ch in _USCC_LOOKALIKE:
                hint_zh = f"；是否应为“{_USCC_LOOKALIKE[ch]}”？"
                hint_en = f"; did you mean '{_USCC_LOOKALIKE[ch]}'?"
            raise _uscc_error(
                "uscc.charset",
                raw,
                f"第 {pos} 位字符“{_show(ch)}”无效：统一社会信用代码只使用数字和大写字母，"
                f"不使用 I、O、S、V、Z{hint_zh}",
                f"invalid character '{_show(ch)}' at position {pos}: a unified social credit code "
                f"uses digits and capital letters except I, O, S, V and Z{hint_en}",
            )
    authority, category = code[0], code[1]
    if authority not in USCC_AUTHORITIES:
        raise _uscc_error(
            "uscc.authority",
            raw,
            f"第 1 位登记管理部门代码“{authority}”无效：应为 1–9、A、N 或 Y",
            f"unknown registration-authority code '{authority}' in position 1: "
            "expected 1-9, A, N or Y",
        )
    division = code[2:8]
    for pos, ch in enumerate(division, start=3):
        if not "0" <= ch <= "9":
            raise _uscc_error(
                "uscc.division",
                raw,
                f"第 3–8 位行政区划码“{division}”应为 6 位数字，第 {pos} 位却是“{ch}”",
                f"the administrative-division code in positions 3-8 ('{division}') must be "
                f"6 digits, found '{ch}' in position {pos}",
            )
    expected = uscc_check_char(code[:-1])
    found = code[-1]
    if found != expected:
        raise _uscc_error(
            "uscc.check_char",
            raw,
            f"第 18 位校验码应为“{expected}”，实为“{_show(found)}”"
            "（若末位无误，则前 17 位中有字符录入错误）",
            f"the check character in position 18 should be '{expected}', found '{_show(found)}' "
            "(if the last character is right, one of the first 17 was mistyped)",
        )
    authority_name = USCC_AUTHORITIES[authority]
    categories = USCC_CATEGORIES[authority]
    category_name = categories.get(category)
    if category_name is None:
        if strict:
            allowed_zh, allowed_en = _allowed_list(sorted(categories))
            raise _uscc_error(
                "uscc.category",
                raw,
                f"第 2 位机构类别代码“{category}”对登记管理部门“{authority}”"
                f"（{authority_name.zh}）无效：应为 {allowed_zh}（类别表待核实）",
                f"organisation-category code '{category}' in position 2 is not valid for "
                f"registration authority '{authority}' ({authority_name.en}): expected "
                f"{allowed_en} (category table unverified)",
            )
        category_name = _generic_category(category)
    org_code = code[8:17]
    if strict:
        org_expected = org_code_check_char(org_code[:8])
        if org_code[8] != org_expected:
            raise _uscc_error(
                "uscc.org_code",
                raw,
                f"第 9–17 位组织机构代码“{org_code[:8]}-{org_code[8]}”的校验位（第 17 位）"
                f"应为“{org_expected}”，实为“{org_code[8]}”（GB 11714 校验规则待核实）",
                f"the organisation code in positions 9-17 ('{org_code[:8]}-{org_code[8]}') has a "
                f"wrong check digit in position 17: expected '{org_expected}', found "
                f"'{org_code[8]}' (GB 11714 check rule unverified)",
            )
    return Uscc(
        code=code,
        authority=authority,
        authority_name=authority_name,
        category=category,
        category_name=category_name,
        division_code=division,
        org_code=org_code,
    )


def is_valid_uscc(raw: str, *, strict: bool = True) -> bool:
    """Return whether :func:`validate_uscc` accepts ``raw`` (same ``strict`` meaning)."""
    try:
        validate_uscc(raw, strict=strict)
    except InvalidIdentifier:
        return False
    return True


# ================================================================ patent application numbers

PatentKind = Literal["invention", "utility_model", "design", "pct_invention", "pct_utility_model"]

PATENT_KINDS: Final[Mapping[str, tuple[PatentKind, Msg]]] = MappingProxyType(
    {
        "1": ("invention", Msg("发明", "invention")),
        "2": ("utility_model", Msg("实用新型", "utility model")),
        "3": ("design", Msg("外观设计", "design")),
        "8": (
            "pct_invention",
            Msg("进入中国国家阶段的 PCT 发明", "PCT invention (national phase)"),
        ),
        "9": (
            "pct_utility_model",
            Msg("进入中国国家阶段的 PCT 实用新型", "PCT utility model (national phase)"),
        ),
    }
)
"""Type code (digit 5, or digit 3 before 2003) → (kind, name) [confirmed, RULES.md §4]."""

_PATENT_WEIGHTS_12: Final[tuple[int, ...]] = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_PATENT_WEIGHTS_8: Final[tuple[int, ...]] = (2, 3, 4, 5, 6, 7, 8, 9)
_PATENT_FIRST_YEAR: Final = 2003  # 12-digit numbers exist since 2003-10-01
_LEGACY_FIRST_YEAR: Final = 1985
_LEGACY_LAST_YEAR: Final = 2003
_PATENT_CHARSET: Final = frozenset("0123456789.X")
_PATENT_TYPES_TEXT: Final = (
    "1（发明）、2（实用新型）、3（外观设计）、8（PCT 发明）或 9（PCT 实用新型）",
    "1 (invention), 2 (utility model), 3 (design), 8 (PCT invention) or 9 (PCT utility model)",
)


def _max_patent_year() -> int:
    """Latest filing year accepted: next year in China Standard Time (tolerates clock skew)."""
    return datetime.now(_CST).year + 1


@dataclass(frozen=True, slots=True)
class PatentApplicationNumber:
    """A valid Chinese patent application number.

    Attributes:
        canonical: digits, dot and check character, no prefix or spaces, e.g. ``201710601862.3``
            (or ``97101765.4`` for the pre-2003 form).
        year: 4-digit filing year.
        type_code: the type digit (``1``, ``2``, ``3``, ``8`` or ``9``).
        kind: ``invention``, ``utility_model``, ``design``, ``pct_invention`` or
            ``pct_utility_model``.
        serial: the serial number within year and type, as written (7 digits, or 5 before 2003).
        check: the check character, ``0``-``9`` or ``X``.
        legacy: ``True`` for the 8-digit form used before October 2003.
    """

    canonical: str
    year: int
    type_code: str
    kind: PatentKind
    serial: str
    check: str
    legacy: bool

    @property
    def patent_number(self) -> str:
        """The patent number once granted: ``"ZL"`` + the application number."""
        return "ZL" + self.canonical

    @property
    def display(self) -> str:
        """Spaced form, e.g. ``2017 1 0601862.3`` (``97 1 01765.4`` before 2003)."""
        year = self.canonical[:2] if self.legacy else self.canonical[:4]
        return f"{year} {self.type_code} {self.serial}.{self.check}"

    @property
    def kind_name(self) -> Msg:
        """The kind's name, e.g. 发明 / invention."""
        return PATENT_KINDS[self.type_code][1]

    def __str__(self) -> str:
        return self.canonical


def patent_check_char(digits: str) -> str:
    """Compute the check character of a patent application number.

    12 digits (since 2003): weights ``2,3,4,5,6,7,8,9,2,3,4,5``; 8 digits (before 2003): weights
    ``2..9``. The check is the weighted sum mod 11, with 10 written ``X``.

    Args:
        digits: the 12- or 8-digit body without the dot and check character.

    Returns:
        ``0``-``9`` or ``X``.

    Raises:
        ValueError: ``digits`` is not 12 or 8 ASCII digits.
    """
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"expected digits only, got {digits!r}")
    if len(digits) == 12:
        weights = _PATENT_WEIGHTS_12
    elif len(digits) == 8:
        weights = _PATENT_WEIGHTS_8
    else:
        raise ValueError(f"expected 12 or 8 digits, got {len(digits)}: {digits!r}")
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def _clean_patent_text(raw: str) -> str:
    """Half-width, upper-case, no whitespace, and without a leading ``CN`` and/or ``ZL``."""
    text = "".join(ch for ch in _halfwidth_upper(raw) if not (ch.isspace() or ch in _INVISIBLE))
    if text.startswith("CN"):
        text = text[2:]
    if text.startswith("ZL"):
        text = text[2:]
    return text


def _patent_error(rule: str, raw: str, zh: str, en: str) -> InvalidIdentifier:
    return InvalidIdentifier(Msg(zh, en), rule=rule, value=raw)


def validate_patent_no(raw: str) -> PatentApplicationNumber:
    """Validate a Chinese patent application number (or patent number) and parse it.

    Accepted spellings of ``201710601862.3``: a leading ``CN`` and/or ``ZL``
    (``CN201710601862.3``, ``ZL201710601862.3``), spaces anywhere (``ZL 2017 1 0601862.3``),
    full-width digits, letters and dot (``２０１７１０６０１８６２．３``), lowercase ``x``. Without the
    dot, a 13-character (or 9-character, pre-2003) body is read as digits + check character and
    accepted only when that last character is the correct check character; a 12- or 8-digit body is
    rejected with ``patent_no.missing_check``, whose message gives the check character to append.

    Args:
        raw: the number as entered.

    Returns:
        The parsed :class:`PatentApplicationNumber`.

    Raises:
        InvalidIdentifier: with ``rule`` one of ``patent_no.empty``, ``patent_no.charset``,
            ``patent_no.format``, ``patent_no.length``, ``patent_no.type_code``,
            ``patent_no.year``, ``patent_no.missing_check``, ``patent_no.check_char``.
    """
    text = _clean_patent_text(raw)
    if not text:
        raise _patent_error("patent_no.empty", raw, "专利申请号为空", "the patent number is empty")
    for pos, ch in enumerate(text, start=1):
        if ch not in _PATENT_CHARSET:
            raise _patent_error(
                "patent_no.charset",
                raw,
                f"去掉前缀和空格后第 {pos} 位字符“{_show(ch)}”无效：专利申请号只含数字、"
                "小数点和校验位（0–9 或 X）",
                f"invalid character '{_show(ch)}' at position {pos} (after removing the prefix "
                "and spaces): a patent number has only digits, a dot and a check character "
                "(0-9 or X)",
            )
    dots = text.count(".")
    if dots > 1:
        raise _patent_error(
            "patent_no.format",
            raw,
            f"专利申请号“{text}”中有 {dots} 个小数点，只能有一个（在校验位之前）",
            f"'{text}' has {dots} dots; a patent number has exactly one, before the check "
            "character",
        )
    if dots == 1:
        body, check = text.split(".")
        if len(check) > 1:
            raise _patent_error(
                "patent_no.format",
                raw,
                f"小数点后应只有一位校验位，实为“{check}”",
                f"exactly one check character may follow the dot, found '{check}'",
            )
    elif len(text) in (12, 8):
        body, check = text, ""
    elif len(text) in (13, 9):
        body, check = text[:-1], text[-1]
    else:
        body, check = text, ""
    if len(body) not in (12, 8):
        raise _patent_error(
            "patent_no.length",
            raw,
            f"校验位前应有 12 位数字（2003 年以前为 8 位），实为 {len(body)} 位（{body}）",
            f"expected 12 digits before the check character (8 before 2003), found "
            f"{len(body)} ({body})",
        )
    x_pos = body.find("X")
    if x_pos >= 0:
        raise _patent_error(
            "patent_no.charset",
            raw,
            f"第 {x_pos + 1} 位“X”无效：X 只能作为校验位",
            f"'X' at position {x_pos + 1} is not allowed: X can only be the check character",
        )
    legacy = len(body) == 8
    type_pos = 3 if legacy else 5
    type_code = body[type_pos - 1]
    if type_code not in PATENT_KINDS:
        raise _patent_error(
            "patent_no.type_code",
            raw,
            f"第 {type_pos} 位申请类型代码“{type_code}”无效：应为 {_PATENT_TYPES_TEXT[0]}",
            f"unknown application type code '{type_code}' in digit {type_pos}: expected "
            f"{_PATENT_TYPES_TEXT[1]}",
        )
    if legacy:
        yy = int(body[:2])
        year = 1900 + yy if yy >= _LEGACY_FIRST_YEAR % 100 else 2000 + yy
        if not _LEGACY_FIRST_YEAR <= year <= _LEGACY_LAST_YEAR:
            raise _patent_error(
                "patent_no.year",
                raw,
                f"年份代码“{body[:2]}”无效：2003 年以前的 8 位申请号年份应为 85–99 或 00–03",
                f"invalid year '{body[:2]}': the 8-digit (pre-2003) form has years 85-99 or 00-03",
            )
        serial = body[3:]
    else:
        year = int(body[:4])
        latest = _max_patent_year()
        if not _PATENT_FIRST_YEAR <= year <= latest:
            raise _patent_error(
                "patent_no.year",
                raw,
                f"申请年份 {year} 无效：12 位申请号的年份应在 {_PATENT_FIRST_YEAR}–{latest} 之间",
                f"invalid filing year {year}: the 12-digit form has years "
                f"{_PATENT_FIRST_YEAR}-{latest}",
            )
        serial = body[5:]
    expected = patent_check_char(body)
    if not check:
        raise _patent_error(
            "patent_no.missing_check",
            raw,
            f"缺少校验位：应在末尾加上“.{expected}”，即 {body}.{expected}",
            f"the check character is missing: append '.{expected}', i.e. {body}.{expected}",
        )
    if check != expected:
        raise _patent_error(
            "patent_no.check_char",
            raw,
            f"校验位应为“{expected}”，实为“{check}”（若校验位无误，则前面的数字中有录入错误）",
            f"the check character should be '{expected}', found '{check}' "
            "(if it is right, one of the digits before it was mistyped)",
        )
    return PatentApplicationNumber(
        canonical=f"{body}.{check}",
        year=year,
        type_code=type_code,
        kind=PATENT_KINDS[type_code][0],
        serial=serial,
        check=check,
        legacy=legacy,
    )


def normalize_patent_no(raw: str) -> str:
    """Return the canonical form (e.g. ``201710601862.3``) of a valid patent application number.

    Unlike :func:`normalize_uscc` this validates, because the canonical form (where the dot goes)
    depends on parsing the number.

    Raises:
        InvalidIdentifier: as :func:`validate_patent_no`.
    """
    return validate_patent_no(raw).canonical


def is_valid_patent_no(raw: str) -> bool:
    """Return whether :func:`validate_patent_no` accepts ``raw``."""
    try:
        validate_patent_no(raw)
    except InvalidIdentifier:
        return False
    return True


def make_patent_no(year: int, type_code: str, serial: int, *, legacy: bool | None = None) -> str:
    """Build a valid canonical patent application number, for tests, samples and benchmarks.

    Args:
        year: 4-digit filing year.
        type_code: ``1``, ``2``, ``3``, ``8`` or ``9``.
        serial: serial number within year and type (0-9999999, or 0-99999 for the legacy form).
        legacy: force the pre-2003 8-digit form (``True``) or the 12-digit form (``False``);
            by default years before 2003 use the legacy form and 2003 onwards the 12-digit form.

    Returns:
        The canonical number, e.g. ``make_patent_no(2017, "1", 601862)`` → ``201710601862.3``.

    Raises:
        ValueError: the parts cannot form a number that :func:`validate_patent_no` accepts.
    """
    if type_code not in PATENT_KINDS:
        raise ValueError(f"unknown type code {type_code!r}; expected one of {sorted(PATENT_KINDS)}")
    if legacy is None:
        legacy = year < _PATENT_FIRST_YEAR
    if legacy:
        if not _LEGACY_FIRST_YEAR <= year <= _LEGACY_LAST_YEAR:
            raise ValueError(f"legacy numbers have years 1985-2003, got {year}")
        if not 0 <= serial <= 99_999:
            raise ValueError(f"legacy serial must be 0-99999, got {serial}")
        body = f"{year % 100:02d}{type_code}{serial:05d}"
    else:
        latest = _max_patent_year()
        if not _PATENT_FIRST_YEAR <= year <= latest:
            raise ValueError(
                f"12-digit numbers have years {_PATENT_FIRST_YEAR}-{latest}, got {year}"
            )
        if not 0 <= serial <= 9_999_999:
            raise ValueError(f"serial must be 0-9999999, got {serial}")
        body = f"{year:04d}{type_code}{serial:07d}"
    return f"{body}.{patent_check_char(body)}"
