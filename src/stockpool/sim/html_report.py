"""The lab's results as one self-contained HTML page: the table, and a bar chart per measure
(inline SVG: no script, no file beside it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path

from stockpool.sim.metrics import RunResult
from stockpool.sim.report import CSV_COLUMNS

BAR_HEIGHT = 22
CHART_WIDTH = 520
LABEL_WIDTH = 150
COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1")

Measure = tuple[str, Callable[[RunResult], float], Callable[[float], str]]

MEASURES: tuple[Measure, ...] = (
    ("Oversold orders", lambda r: r.total("oversold_orders"), lambda v: f"{v:,.0f}"),
    ("Seller cancellations", lambda r: r.total("cancellations"), lambda v: f"{v:,.0f}"),
    ("Lost sales", lambda r: r.total("lost_sales"), lambda v: f"{v:,.0f}"),
    ("Fill rate", lambda r: 100 * r.fill_rate(), lambda v: f"{v:.2f}%"),
)


def bar_chart(title: str, bars: Sequence[tuple[str, float]], shown: Callable[[float], str]) -> str:
    """One horizontal bar per (label, value), scaled to the largest."""
    top = max((value for _, value in bars), default=0) or 1
    height = BAR_HEIGHT * len(bars) + 10
    rows = []
    for n, (label, value) in enumerate(bars):
        y = 5 + n * BAR_HEIGHT
        width = (CHART_WIDTH - LABEL_WIDTH - 80) * value / top
        rows.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 6}" '
            f'fill="{COLOURS[n % len(COLOURS)]}"/>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{escape(shown(value))}</text>'
        )
    return (
        f"<figure><figcaption>{escape(title)}</figcaption>"
        f'<svg width="{CHART_WIDTH}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">{"".join(rows)}</svg></figure>'
    )


def _table(results: Sequence[RunResult]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in CSV_COLUMNS)
    rows = []
    for result in results:
        for row in result.channels:
            cells = [getattr(row, column) for column in CSV_COLUMNS]
            rows.append(
                "<tr>" + "".join(f"<td>{escape(_cell(value))}</td>" for value in cells) + "</tr>"
            )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def write_html(path: Path, title: str, results: Sequence[RunResult]) -> None:
    """The page: every measure charted per strategy, then the table per strategy and channel."""
    charts = "".join(
        bar_chart(name, [(r.strategy, value(r)) for r in results], shown)
        for name, value, shown in MEASURES
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
figure {{ display: inline-block; margin: 0 2rem 1.5rem 0; vertical-align: top; }}
figcaption {{ font-weight: 600; margin-bottom: .3rem; }}
svg text {{ font-size: 12px; }}
table {{ border-collapse: collapse; font-size: 13px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: right; }}
th:nth-child(-n+2), td:nth-child(-n+2) {{ text-align: left; }}
</style></head><body>
<h1>{escape(title)}</h1>
<section>{charts}</section>
<h2>Per strategy and channel</h2>
{_table(results)}
</body></html>
"""
    path.write_text(page, encoding="utf-8")
