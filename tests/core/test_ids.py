"""Tests for kechuang.core.ids: unified social credit codes and patent application numbers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.core.errors import InvalidIdentifier
from kechuang.core.i18n import Msg
from kechuang.core.ids import (
    PATENT_KINDS,
    USCC_AUTHORITIES,
    USCC_CATEGORIES,
    USCC_CHARSET,
    USCC_EXCLUDED_LETTERS,
    PatentApplicationNumber,
    Uscc,
    is_valid_patent_no,
    is_valid_uscc,
    make_patent_no,
    make_uscc,
    normalize_patent_no,
    normalize_uscc,
    org_code_check_char,
    patent_check_char,
    uscc_check_char,
    validate_patent_no,
    validate_uscc,
)

# GB 32100 example, verified in RULES.md §4: org code M000100Y → 4, check character 3.
GB_EXAMPLE = "91350100M000100Y43"
# Patent examples verified in RULES.md §4.
PATENT_EXAMPLE = "201710601862.3"
PATENT_EXAMPLE_X = "200710308494.X"


def uscc_error(raw: str, *, strict: bool = True) -> InvalidIdentifier:
    """The error validate_uscc raises for ``raw`` (fails the test if it accepts it)."""
    with pytest.raises(InvalidIdentifier) as info:
        validate_uscc(raw, strict=strict)
    return info.value


def patent_error(raw: str) -> InvalidIdentifier:
    """The error validate_patent_no raises for ``raw`` (fails the test if it accepts it)."""
    with pytest.raises(InvalidIdentifier) as info:
        validate_patent_no(raw)
    return info.value


def with_check(first17: str) -> str:
    """Complete 17 characters with a correct position-18 check character."""
    return first17 + uscc_check_char(first17)


def substitute(text: str, index: int, char: str) -> str:
    return text[:index] + char + text[index + 1 :]


# ================================================================ USCC: valid input


def test_gb_example_is_valid_and_parsed() -> None:
    uscc = validate_uscc(GB_EXAMPLE)
    assert uscc == Uscc(
        code=GB_EXAMPLE,
        authority="9",
        authority_name=Msg("市场监管", "market regulation"),
        category="1",
        category_name=Msg("企业", "enterprise"),
        division_code="350100",
        org_code="M000100Y4",
    )
    assert uscc.org_code_display == "M000100Y-4"
    assert uscc.check_char == "3"
    assert uscc.kind == "9/1"
    assert uscc.describe() == Msg("市场监管部门登记 · 企业", "market regulation · enterprise")
    assert str(uscc) == GB_EXAMPLE
    assert is_valid_uscc(GB_EXAMPLE)


def test_check_characters_of_gb_example() -> None:
    assert org_code_check_char("M000100Y") == "4"
    assert uscc_check_char(GB_EXAMPLE[:17]) == "3"
    assert make_uscc(authority="9", category="1", division="350100", org8="M000100Y") == GB_EXAMPLE


def test_python_stdnum_doc_example_is_valid() -> None:
    # The example in python-stdnum's documentation also passes the [unconfirmed] org-code rule.
    assert validate_uscc("91110000600037341L").org_code_display == "60003734-1"


@pytest.mark.parametrize(
    "raw",
    [
        "91350100m000100y43",  # lowercase
        " 91350100M000100Y43\n",  # surrounding whitespace
        "9135 0100 M000 100Y 43",  # inner spaces
        "91350100-M000100Y4-3",  # hyphens
        "\u300091350100M000100Y43\u3000",  # full-width (ideographic) spaces
        "９１３５０１００Ｍ０００１００Ｙ４３",  # full-width characters
        "９１３５０１００－ｍ０００１００ｙ４３",  # full-width lowercase and hyphen
        "\ufeff91350100M000100Y43\u200b",  # BOM and zero-width space pasted from a spreadsheet
    ],
)
def test_uscc_variants_normalise(raw: str) -> None:
    assert normalize_uscc(raw) == GB_EXAMPLE
    assert validate_uscc(raw).code == GB_EXAMPLE


def test_org_code_check_digit_10_and_11() -> None:
    # C = 11 - (sum mod 11): a sum ≡ 0 gives 11, written "0"; a sum ≡ 1 gives 10, written "X".
    assert org_code_check_char("00000000") == "0"
    assert org_code_check_char("00000030") == "X"  # 3 × 4 = 12 ≡ 1
    # "X" is in the USCC character set, so such a code is buildable and valid.
    code = make_uscc(org8="00000030")
    assert validate_uscc(code).org_code == "00000030X"


def test_other_authorities_and_categories() -> None:
    social_org = validate_uscc(make_uscc(authority="5", category="1", org8="12345678"))
    assert social_org.describe() == Msg(
        "民政部门登记 · 社会团体", "civil affairs · social organisation"
    )
    other = validate_uscc(make_uscc(authority="Y", category="1", org8="12345678"))
    assert other.kind == "Y/1"


# ================================================================ USCC: each bad input → its rule


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", "-"])
def test_uscc_empty(raw: str) -> None:
    assert uscc_error(raw).rule == "uscc.empty"


@pytest.mark.parametrize(("raw", "length"), [(GB_EXAMPLE[:-1], 17), (GB_EXAMPLE + "0", 19)])
def test_uscc_wrong_length_says_actual_length(raw: str, length: int) -> None:
    error = uscc_error(raw)
    assert error.rule == "uscc.length"
    assert f"{length} 位" in error.message.zh
    assert f"found {length}" in error.message.en
    assert "18" in error.message.en


@pytest.mark.parametrize("wrong", sorted(set(USCC_CHARSET + USCC_EXCLUDED_LETTERS) - {"3"}))
def test_uscc_wrong_check_char_says_expected_and_found(wrong: str) -> None:
    error = uscc_error(GB_EXAMPLE[:-1] + wrong)
    assert error.rule == "uscc.check_char"
    assert f"should be '3', found '{wrong}'" in error.message.en
    assert error.value == GB_EXAMPLE[:-1] + wrong
    assert error.issues[0].rule == "uscc.check_char"


@pytest.mark.parametrize("letter", list(USCC_EXCLUDED_LETTERS))
def test_uscc_excluded_letters_are_rejected_with_position(letter: str) -> None:
    error = uscc_error(substitute(GB_EXAMPLE, 8, letter))  # replaces the "M" in position 9
    assert error.rule == "uscc.charset"
    assert f"'{letter}' at position 9" in error.message.en
    assert f"第 9 位字符“{letter}”" in error.message.zh
    assert "I, O, S, V and Z" in error.message.en


def test_uscc_other_bad_character() -> None:
    error = uscc_error("91350100M000*00Y43")
    assert error.rule == "uscc.charset"
    assert "'*' at position 13" in error.message.en


@pytest.mark.parametrize("authority", ["0", "B", "M", "X"])
def test_uscc_unknown_authority(authority: str) -> None:
    error = uscc_error(with_check(authority + GB_EXAMPLE[1:17]))
    assert error.rule == "uscc.authority"
    assert f"'{authority}' in position 1" in error.message.en


@pytest.mark.parametrize(
    ("authority", "category"), [("9", "4"), ("9", "9"), ("Y", "2"), ("1", "A")]
)
def test_uscc_category_not_valid_for_authority(authority: str, category: str) -> None:
    code = with_check(authority + category + GB_EXAMPLE[2:17])
    error = uscc_error(code)
    assert error.rule == "uscc.category"
    assert "unverified" in error.message.en
    assert "待核实" in error.message.zh
    # The category table is [unconfirmed]: non-strict mode accepts and names it generically.
    assert validate_uscc(code, strict=False).category == category


def test_uscc_division_must_be_digits() -> None:
    error = uscc_error(with_check("91350A00M000100Y4"))
    assert error.rule == "uscc.division"
    assert "'A' in position 6" in error.message.en


def test_uscc_embedded_org_code_with_wrong_check_digit() -> None:
    # Position 17 is wrong (5 instead of 4) but position 18 is recomputed, so the mod-31 check
    # passes and only the organisation-code rule catches it.
    code = with_check("91350100M000100Y5")
    error = uscc_error(code)
    assert error.rule == "uscc.org_code"
    assert "expected '4', found '5'" in error.message.en
    assert "M000100Y-5" in error.message.en
    # That rule is [unconfirmed]; strict=False skips it.
    assert validate_uscc(code, strict=False).org_code == "M000100Y5"
    assert not is_valid_uscc(code)
    assert is_valid_uscc(code, strict=False)


def test_make_uscc_rejects_bad_parts() -> None:
    with pytest.raises(ValueError, match="org8"):
        make_uscc(org8="M000I00Y")  # I is not in the USCC character set
    with pytest.raises(ValueError, match="8 characters"):
        make_uscc(org8="M000100")
    with pytest.raises(ValueError, match="division"):
        make_uscc(division="31011", org8="M000100Y")
    with pytest.raises(ValueError, match="authority"):
        make_uscc(authority="B", org8="M000100Y")
    with pytest.raises(ValueError, match="category"):
        make_uscc(category="4", org8="M000100Y")
    with pytest.raises(ValueError, match="17"):
        uscc_check_char("9135")


# ================================================================ USCC: properties

ORG8 = st.text(alphabet=USCC_CHARSET, min_size=8, max_size=8)
DIVISION = st.text(alphabet="0123456789", min_size=6, max_size=6)
AUTHORITY_CATEGORY = st.sampled_from(
    [(a, c) for a, categories in USCC_CATEGORIES.items() for c in categories]
)


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    authority, category = draw(AUTHORITY_CATEGORY)
    return make_uscc(
        authority=authority, category=category, division=draw(DIVISION), org8=draw(ORG8)
    )


@settings(max_examples=300)
@given(code=valid_usccs())
def test_generated_usccs_validate(code: str) -> None:
    uscc = validate_uscc(code)
    assert uscc.code == code
    assert uscc.authority_name == USCC_AUTHORITIES[code[0]]
    assert validate_uscc(code.lower()).code == code


@settings(max_examples=300)
@given(
    code=valid_usccs(),
    index=st.integers(min_value=0, max_value=17),
    char=st.sampled_from(USCC_CHARSET + USCC_EXCLUDED_LETTERS),
)
def test_any_single_substitution_in_a_uscc_is_rejected(code: str, index: int, char: str) -> None:
    if code[index] == char:
        return
    error = uscc_error(substitute(code, index, char))
    # Every substitution breaks the charset or the mod-31 sum (all weights are non-zero mod the
    # prime 31), and those checks run before the [unconfirmed] category and org-code rules.
    assert error.rule in {"uscc.charset", "uscc.authority", "uscc.division", "uscc.check_char"}
    if index == 17:
        assert error.rule == "uscc.check_char"


def test_every_single_substitution_of_the_gb_example_is_rejected() -> None:
    for index, original in enumerate(GB_EXAMPLE):
        for char in USCC_CHARSET + USCC_EXCLUDED_LETTERS:
            if char != original:
                assert not is_valid_uscc(substitute(GB_EXAMPLE, index, char)), (index, char)


# ================================================================ patents: valid input


def test_verified_patent_examples() -> None:
    number = validate_patent_no(PATENT_EXAMPLE)
    assert number == PatentApplicationNumber(
        canonical=PATENT_EXAMPLE,
        year=2017,
        type_code="1",
        kind="invention",
        serial="0601862",
        check="3",
        legacy=False,
    )
    assert number.patent_number == "ZL201710601862.3"
    assert number.display == "2017 1 0601862.3"
    assert number.kind_name == Msg("发明", "invention")
    assert str(number) == PATENT_EXAMPLE
    assert validate_patent_no(PATENT_EXAMPLE_X).check == "X"
    assert patent_check_char("201710601862") == "3"
    assert patent_check_char("200710308494") == "X"


@pytest.mark.parametrize(
    ("raw", "year", "check"), [("97101765.4", 1997, "4"), ("95115608.X", 1995, "X")]
)
def test_legacy_patent_examples(raw: str, year: int, check: str) -> None:
    # Both RULES.md pre-2003 examples agree with the weights 2..9 mod 11 algorithm.
    number = validate_patent_no(raw)
    assert number.legacy
    assert (number.year, number.check, number.kind) == (year, check, "invention")
    assert number.canonical == raw
    assert number.display == f"{raw[:2]} 1 {raw[3:8]}.{check}"
    assert patent_check_char(raw[:8]) == check


@pytest.mark.parametrize(
    "raw",
    [
        "CN201710601862.3",
        "ZL201710601862.3",
        "CNZL201710601862.3",
        "ZL 2017 1 0601862.3",
        "2017 1 0601862.3",
        "cn201710601862.3",
        " 201710601862.3 ",
        "２０１７１０６０１８６２．３",  # full-width digits and dot
        "ＺＬ２０１７ １ ０６０１８６２．３",
        "2017106018623",  # no dot: accepted because the last digit is the right check char
    ],
)
def test_patent_variants_normalise(raw: str) -> None:
    assert normalize_patent_no(raw) == PATENT_EXAMPLE
    assert is_valid_patent_no(raw)


@pytest.mark.parametrize("raw", ["200710308494.x", "200710308494x", "２００７１０３０８４９４．ｘ"])
def test_patent_lowercase_and_fullwidth_x(raw: str) -> None:
    assert normalize_patent_no(raw) == PATENT_EXAMPLE_X


def test_patent_kinds_table() -> None:
    assert {code: kind for code, (kind, _) in PATENT_KINDS.items()} == {
        "1": "invention",
        "2": "utility_model",
        "3": "design",
        "8": "pct_invention",
        "9": "pct_utility_model",
    }


@pytest.mark.parametrize("type_code", sorted(PATENT_KINDS))
def test_make_patent_no_for_every_kind(type_code: str) -> None:
    number = validate_patent_no(make_patent_no(2020, type_code, 1234))
    assert number.kind == PATENT_KINDS[type_code][0]
    assert number.serial == "0001234"


def test_make_patent_no() -> None:
    assert make_patent_no(2017, "1", 601862) == PATENT_EXAMPLE
    assert make_patent_no(2007, "1", 308494) == PATENT_EXAMPLE_X
    assert make_patent_no(1997, "1", 1765) == "97101765.4"
    assert make_patent_no(2003, "2", 5, legacy=True) == "03200005." + patent_check_char("03200005")


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: make_patent_no(2017, "4", 1), "type code"),
        (lambda: make_patent_no(2017, "1", 10_000_000), "serial"),
        (lambda: make_patent_no(1997, "1", 100_000), "serial"),
        (lambda: make_patent_no(1980, "1", 1), "1985-2003"),
        (lambda: make_patent_no(9999, "1", 1), "9999"),
        (lambda: patent_check_char("2017106018"), "12 or 8"),
        (lambda: patent_check_char("20171060186X"), "digits only"),
    ],
)
def test_make_patent_no_rejects_bad_parts(build: Callable[[], str], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build()


# ================================================================ patents: each bad input → its rule


@pytest.mark.parametrize("raw", ["", "  ", "CN", "ZL "])
def test_patent_empty(raw: str) -> None:
    assert patent_error(raw).rule == "patent_no.empty"


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("201710601862.4", "patent_no.check_char"),
        ("2017106018624", "patent_no.check_char"),  # no dot, wrong last digit
        ("97101765.5", "patent_no.check_char"),
        ("201710601862", "patent_no.missing_check"),
        ("201710601862.", "patent_no.missing_check"),
        ("97101765", "patent_no.missing_check"),
        ("CN107123456A", "patent_no.charset"),  # a publication number, not an application number
        ("2017-10601862.3", "patent_no.charset"),
        ("20171060186X.3", "patent_no.charset"),  # X only as the check character
        ("2017.10601862.3", "patent_no.format"),
        ("201710601862.33", "patent_no.format"),
        ("20171060186.3", "patent_no.length"),
        ("2017106018621.3", "patent_no.length"),
        ("20171060186", "patent_no.length"),
        ("201740601862.3", "patent_no.type_code"),
        ("97401765.4", "patent_no.type_code"),
        ("200210601862.3", "patent_no.year"),  # 12-digit form only since 2003
        ("990010601862.3", "patent_no.year"),
        ("84101765.4", "patent_no.year"),  # legacy years are 85-99 and 00-03
        ("05101765.4", "patent_no.year"),
    ],
)
def test_patent_bad_input(raw: str, rule: str) -> None:
    error = patent_error(raw)
    assert error.rule == rule
    assert error.value == raw
    assert error.message.zh
    assert error.message.en


def test_patent_year_in_the_future() -> None:
    error = patent_error("209910601862.3")
    assert error.rule == "patent_no.year"
    assert "2099" in error.message.en


def test_patent_messages_give_the_fix() -> None:
    assert "should be '3', found '4'" in patent_error("201710601862.4").message.en
    missing = patent_error("ZL 2017 1 0601862").message
    assert "append '.3'" in missing.en
    assert "201710601862.3" in missing.zh
    assert "'4' in digit 5" in patent_error("201740601862.3").message.en


# ================================================================ patents: properties

TYPE_CODE = st.sampled_from(sorted(PATENT_KINDS))


@st.composite
def valid_patent_numbers(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        year = draw(st.integers(min_value=2003, max_value=2025))
        serial = draw(st.integers(min_value=0, max_value=9_999_999))
        return make_patent_no(year, draw(TYPE_CODE), serial)
    year = draw(st.integers(min_value=1985, max_value=2003))
    serial = draw(st.integers(min_value=0, max_value=99_999))
    return make_patent_no(year, draw(TYPE_CODE), serial, legacy=True)


@settings(max_examples=300)
@given(number=valid_patent_numbers())
def test_generated_patent_numbers_validate(number: str) -> None:
    parsed = validate_patent_no(number)
    assert parsed.canonical == number
    assert parsed.legacy == (len(number) == 10)
    assert normalize_patent_no("ZL " + parsed.display) == number


@settings(max_examples=300)
@given(number=valid_patent_numbers(), data=st.data())
def test_any_single_substitution_in_a_patent_number_is_rejected(
    number: str, data: st.DataObject
) -> None:
    # Weights 2..9 (and 2..5) are all non-zero mod the prime 11 and a digit changes by 1..9, so
    # the weighted sum changes by a non-zero amount mod 11: every single-digit substitution in the
    # body is detected, and so is every other check character. Substituting "X" into the body or
    # anything for the dot breaks the format rules instead.
    index = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    char = data.draw(st.sampled_from("0123456789X."))
    if number[index] == char:
        return
    error = patent_error(substitute(number, index, char))
    if index == len(number) - 1 and char != ".":
        assert error.rule == "patent_no.check_char"


def test_every_single_substitution_of_the_patent_examples_is_rejected() -> None:
    for number in (PATENT_EXAMPLE, PATENT_EXAMPLE_X, "97101765.4", "95115608.X"):
        for index, original in enumerate(number):
            for char in "0123456789X.":
                if char != original:
                    assert not is_valid_patent_no(substitute(number, index, char)), (index, char)
