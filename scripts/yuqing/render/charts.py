"""Charts as small static SVG files made at build time (no script, no outside request).

Shown through ``<img>``, so even a hostile label could not run anything; labels still go
through ``escape_text`` (numeric references are valid XML).
"""

from __future__ import annotations

from collections.abc import Sequence

from yuqing.render.text import escape_text

_FONT = 'font-family="system-ui, -apple-system, &#39;PingFang SC&#39;, &#39;Microsoft YaHei&#39;, sans-serif"'
_BAR = "#3f51b5"
_ALT = "#e8eaf6"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" {_FONT} font-size="12">'
        f"<title>{escape_text(title)}</title>"
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>\n"
    )


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, int) or value == int(value) else f"{value:.1f}"


def bar_chart(title: str, items: Sequence[tuple[str, float]], unit: str = "件") -> str:
    """Horizontal bars, one row per label (counts by level, unit, category)."""
    rows = list(items) or [("（无数据）", 0)]
    label_w, bar_w, row_h = 150, 300, 24
    height = 16 + row_h * len(rows)
    top = max((v for _, v in rows), default=0) or 1
    body = []
    for i, (label, value) in enumerate(rows):
        y = 8 + i * row_h
        w = round(bar_w * value / top)
        short = label if len(label) <= 12 else label[:11] + "…"
        body.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" fill="#333">'
            f"{escape_text(short)}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="16" fill="{_ALT}"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="16" fill="{_BAR}"/>'
            f'<text x="{label_w + bar_w + 6}" y="{y + 16}" fill="#333">'
            f"{escape_text(_fmt(value))} {escape_text(unit)}</text>"
        )
    return _svg(label_w + bar_w + 70, height, title, body)


def column_chart(title: str, items: Sequence[tuple[str, float]], unit: str = "件") -> str:
    """Vertical columns over time (cases per month, response time per month)."""
    cols = list(items) or [("—", 0)]
    col_w, plot_h, left, bottom = 44, 160, 40, 40
    width = left + col_w * len(cols) + 10
    height = plot_h + bottom + 20
    top = max((v for _, v in cols), default=0) or 1
    body = [f'<line x1="{left}" y1="{plot_h + 10}" x2="{width - 5}" y2="{plot_h + 10}" '
            f'stroke="#999"/>']
    for i, (label, value) in enumerate(cols):
        x = left + i * col_w + 6
        h = round(plot_h * value / top)
        y = plot_h + 10 - h
        body.append(
            f'<rect x="{x}" y="{y}" width="{col_w - 12}" height="{h}" fill="{_BAR}"/>'
            f'<text x="{x + (col_w - 12) / 2}" y="{y - 4}" text-anchor="middle" fill="#333">'
            f"{escape_text(_fmt(value))}</text>"
            f'<text x="{x + (col_w - 12) / 2}" y="{plot_h + 26}" text-anchor="middle" '
            f'fill="#555" font-size="11">{escape_text(label)}</text>'
        )
    body.append(f'<text x="4" y="14" fill="#555" font-size="11">{escape_text(unit)}</text>')
    return _svg(width, height, title, body)
