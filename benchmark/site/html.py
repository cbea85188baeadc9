"""Small pieces of HTML shared by the site's pages: the page shell, tables,
numbers and the inline SVG drawings.  Every value that comes from a file goes
through :func:`esc`."""

from __future__ import annotations

import html
from typing import Any, Iterable, Sequence

OUTCOMES = ("correct", "wrong-speaker", "abstained", "missed")
OUTCOME_LABELS = {"correct": "correct", "wrong-speaker": "wrong speaker", "abstained": "abstained", "missed": "missed"}


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def script_json(obj: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>``,
    no ``<!--``)."""
    import orjson

    return orjson.dumps(obj).decode("utf-8").replace("<", "\\u003c")


def plural(n: int, word: str) -> str:
    """"1 document", "2 documents"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def number(value: Any, digits: int = 4) -> str:
    if value is None or value == "":
        return "–"
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return esc(value)


def page(title: str, body: str, *, root: str, crumbs: Sequence[tuple[str, str | None]] = (), head: str = "") -> str:
    """A whole page; ``root`` is the relative path from the page to the
    site's folder ("" or "../../")."""
    trail = " / ".join(
        f'<a href="{esc(href)}">{esc(label)}</a>' if href else esc(label) for label, href in crumbs
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · quotebench</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{root}assets/site.css">
{head}</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><nav aria-label="site"><a href="{root}index.html">quotebench</a> <span class="crumbs">{trail}</span></nav></header>
<main id="main" tabindex="-1">
{body}
</main>
<script src="{root}assets/site.js"></script>
</body>
</html>
"""


def table(
    columns: Sequence[tuple[str, str]],
    rows: Iterable[str],
    *,
    caption: str = "",
    sortable: bool = True,
    table_id: str = "",
    css_class: str = "",
) -> str:
    """``columns``: (label, kind) with kind "num", "text" or "" (not
    sortable); ``rows``: ready ``<tr>`` strings."""
    heads = []
    for label, kind in columns:
        cls = ' class="num"' if kind == "num" else ""
        if sortable and kind:
            heads.append(f'<th scope="col"{cls} data-sort="{kind}"><button type="button">{label}</button></th>')
        else:
            heads.append(f'<th scope="col"{cls}>{label}</th>')
    cap = f"<caption>{caption}</caption>" if caption else ""
    ident = f' id="{esc(table_id)}"' if table_id else ""
    classes = " ".join(c for c in ("sortable" if sortable else "", css_class) if c)
    klass = f' class="{classes}"' if classes else ""
    return (
        f'<div class="table-wrap"><table{ident}{klass}>{cap}<thead><tr>{"".join(heads)}</tr></thead>'
        f'<tbody>\n{"".join(rows)}</tbody></table></div>'
    )


def num_cell(value: Any, digits: int = 4) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # needs no escaping; tables may have 20,000 rows
        return f'<td class="num" data-value="{value!r}">{value:.{digits}f}</td>'
    sort = "" if value is None or value == "" else f' data-value="{esc(value)}"'
    return f'<td class="num"{sort}>{number(value, digits)}</td>'


def interval_svg(value: float | None, low: float | None, high: float | None) -> str:
    """The F1 and its 95% interval on a 0-1 axis, 80 px wide."""
    if value is None or low is None or high is None:
        return ""
    width, pad = 80, 4

    def x(v: float) -> float:
        return round(pad + max(0.0, min(1.0, v)) * (width - 2 * pad), 1)

    label = f"95% interval {low:.4f} to {high:.4f}"
    return (
        f'<svg class="ci" width="{width}" height="12" viewBox="0 0 {width} 12" role="img" aria-label="{label}">'
        f"<title>{label}</title>"
        f'<line class="axis" x1="{pad}" y1="6" x2="{width - pad}" y2="6"/>'
        f'<line class="range" x1="{x(low)}" y1="6" x2="{x(high)}" y2="6"/>'
        f'<circle cx="{x(value)}" cy="6" r="3"/></svg>'
    )


def bar_chart(rows: Sequence[dict[str, Any]], *, title: str) -> str:
    """Grouped horizontal bars of precision, recall and F1 per row
    (``label``, ``precision``, ``recall``, ``f1``), as inline SVG."""
    label_width, bar_width, bar_height, gap = 190, 300, 7, 8
    group = 3 * bar_height + gap
    height = 24 + group * len(rows)
    width = label_width + bar_width + 50
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_width + tick * bar_width
        parts.append(f'<line x1="{x}" y1="14" x2="{x}" y2="{height}" stroke="#e3e3ea"/>')
        parts.append(f'<text x="{x}" y="10" text-anchor="middle">{tick:g}</text>')
    for i, row in enumerate(rows):
        y = 18 + i * group
        label = str(row["label"])
        if len(label) > 30:
            label = label[:29] + "…"
        parts.append(f'<text x="{label_width - 6}" y="{y + 1.5 * bar_height + 4}" text-anchor="end">{esc(label)}</text>')
        for j, (key, cls) in enumerate((("precision", "bar-p"), ("recall", "bar-r"), ("f1", "bar-f"))):
            value = float(row.get(key) or 0.0)
            # a zero is drawn as a sliver, so that it reads as 0 and not as missing
            parts.append(
                f'<rect class="{cls}" x="{label_width}" y="{y + j * bar_height}" width="{max(2.0, round(value * bar_width, 1))}" height="{bar_height - 1}">'
                f"<title>{esc(row['label'])}: {key} {value:.4f}</title></rect>"
            )
    parts.append("</svg>")
    legend = (
        '<p class="legend"><span><i class="swatch bar-p" style="background:#6c8ebf"></i>precision</span>'
        '<span><i class="swatch" style="background:#e0a458"></i>recall</span>'
        '<span><i class="swatch" style="background:#3a7d44"></i>F1</span></p>'
    )
    return legend + "".join(parts)
