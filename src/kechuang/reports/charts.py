"""Hand-written SVG bar charts: deterministic text (same data, same bytes), no plotting library.

Two shapes cover the chapter: :func:`grouped_bars` (categories × series, e.g. last year and this
year per indicator) and :func:`horizontal_bars` (one series, long category labels, e.g. credit
products). Values are exact Decimals scaled for display by the caller; bar lengths are computed
with Decimal arithmetic and printed with two decimals, so output does not depend on float
formatting. Text uses the report's CJK font stack, which WeasyPrint embeds in the PDF.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape

__all__ = ["Chart", "grouped_bars", "horizontal_bars"]

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', sans-serif"
PALETTE = ("#9db4cf", "#1f4e79", "#c55a11", "#548235", "#7f6000")
"""Series colours: previous year light, this year dark (as printed reports do)."""


@dataclass(frozen=True)
class Chart:
    """A rendered chart: a stable id (file name in Markdown output), a title and the SVG text."""

    chart_id: str
    title: str
    svg: str


def _n(x: Decimal) -> str:
    return format(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")


def _nice_max(value: Decimal) -> Decimal:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ at or above ``value`` (axis top)."""
    if value <= 0:
        return Decimal(1)
    exp = value.adjusted()
    for step in (
        Decimal(n) for n in ("1", "1.2", "1.5", "2", "2.5", "3", "4", "5", "6", "8", "10")
    ):
        top = step.scaleb(exp)
        if top >= value:
            return top
    return Decimal(10).scaleb(exp)  # pragma: no cover - the loop always returns


def _text(x: Decimal, y: Decimal, s: str, *, anchor: str = "middle", size: int = 11) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}">'
        f"{escape(s)}</text>"
    )


def _fit(label: str, width: int) -> str:
    """``label`` cut to ``width`` half-width columns (a CJK character takes two), with "…"."""
    used = 0
    for i, ch in enumerate(label):
        used += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used > width:
            return label[: max(i - 1, 0)] + "…"
    return label


def _wrap(label: str, width: int) -> list[str]:
    """Split a label into lines of about ``width`` characters: at spaces when it has any (English),
    otherwise every ``width`` characters (CJK labels have no spaces)."""
    if " " not in label:
        return [label[i : i + width] for i in range(0, len(label), width)] or [""]
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width * 2:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def grouped_bars(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | None]]],
    *,
    value_labels: Sequence[Sequence[str]] | None = None,
    width: int = 560,
    height: int = 280,
) -> Chart:
    """Vertical bars: one group per category, one bar per series (``None`` = no bar).

    Args:
        chart_id: stable identifier (used as the SVG id and file name).
        title: chart title (also the SVG ``<title>`` for screen readers).
        categories: category labels, left to right.
        series: ``(name, values)`` per series; ``values`` aligned with ``categories``.
        value_labels: text printed above each bar (defaults to the value with two decimals).
    """
    left, right, top, bottom = Decimal(40), Decimal(10), Decimal(40), Decimal(60)
    w, h = Decimal(width), Decimal(height)
    plot_w, plot_h = w - left - right, h - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    vmax = _nice_max(max(values, default=Decimal(0)))
    n_cat, n_ser = max(len(categories), 1), max(len(series), 1)
    group_w = plot_w / n_cat
    bar_w = group_w * Decimal("0.7") / n_ser
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT}" role="img">',
        f"<title>{escape(title)}</title>",
        _text(w / 2, Decimal(18), title, size=13),
        f'<line x1="{_n(left)}" y1="{_n(top + plot_h)}" x2="{_n(w - right)}" '
        f'y2="{_n(top + plot_h)}" stroke="#444" stroke-width="1"/>',
    ]
    for ci, cat in enumerate(categories):
        gx = left + group_w * ci + group_w * Decimal("0.15")
        for si, (_, vs) in enumerate(series):
            v = vs[ci] if ci < len(vs) else None
            if v is None:
                continue
            bh = plot_h * (max(v, Decimal(0)) / vmax)
            x = gx + bar_w * si
            y = top + plot_h - bh
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(bar_w * Decimal("0.92"))}" '
                f'height="{_n(bh)}" fill="{PALETTE[si % len(PALETTE)]}"/>'
            )
            label = value_labels[si][ci] if value_labels else _n(v)
            parts.append(_text(x + bar_w / 2, y - 4, label, size=10))
        for li, line in enumerate(_wrap(cat, 14)):
            parts.append(
                _text(left + group_w * ci + group_w / 2, top + plot_h + 16 + 13 * li, line, size=10)
            )
    # legend
    lx = left
    for si, (name, _) in enumerate(series):
        parts.append(
            f'<rect x="{_n(lx)}" y="26" width="10" height="10" '
            f'fill="{PALETTE[si % len(PALETTE)]}"/>'
        )
        parts.append(_text(lx + 14, Decimal(35), name, anchor="start", size=10))
        lx += Decimal(14 + 8 * len(name) + 24)
    parts.append("</svg>")
    return Chart(chart_id, title, "\n".join(parts))


def horizontal_bars(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    values: Sequence[Decimal],
    *,
    value_labels: Sequence[str] | None = None,
    width: int = 560,
    bar_height: int = 22,
) -> Chart:
    """Horizontal bars, one per category (long labels on the left), top to bottom."""
    label_w, right, top = Decimal(200), Decimal(90), Decimal(34)
    w = Decimal(width)
    plot_w = w - label_w - right
    bh = Decimal(bar_height)
    height = int(top + bh * len(categories) + 12)
    vmax = _nice_max(max(values, default=Decimal(0)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT}" role="img">',
        f"<title>{escape(title)}</title>",
        _text(w / 2, Decimal(18), title, size=13),
    ]
    for i, (cat, v) in enumerate(zip(categories, values, strict=True)):
        y = top + bh * i
        length = plot_w * (max(v, Decimal(0)) / vmax)
        parts.append(_text(label_w - 6, y + bh / 2 + 4, _fit(cat, 36), anchor="end", size=10))
        parts.append(
            f'<rect x="{_n(label_w)}" y="{_n(y + 3)}" width="{_n(length)}" '
            f'height="{_n(bh - 6)}" fill="{PALETTE[1]}"/>'
        )
        label = value_labels[i] if value_labels else _n(v)
        parts.append(_text(label_w + length + 4, y + bh / 2 + 4, label, anchor="start", size=10))
    parts.append("</svg>")
    return Chart(chart_id, title, "\n".join(parts))
