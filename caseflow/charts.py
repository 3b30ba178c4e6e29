"""Charts drawn on the server with matplotlib, as SVG.

The same functions feed the printed reports (WeasyPrint embeds the SVG as a data: URL, the
only kind of URL its fetcher accepts besides static files) and the manager's dashboard (an
<img> with the same data: URL, so no script and no inline SVG styles are needed).

Text is drawn as paths (`svg.fonttype = path`): the SVG carries no font reference and no user
text as markup, so an office or partner name can never inject anything into the picture, and
it looks the same in every viewer. matplotlib's own DejaVu Sans covers Latin and Cyrillic.
We use the object-oriented Figure API, never pyplot: pyplot keeps global state and is not
safe in a multi-threaded server.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("svg")

from matplotlib.figure import Figure

# Fixed salt: the same data gives the same SVG bytes, which keeps reports reproducible.
matplotlib.rcParams.update({
    "svg.fonttype": "path",
    "svg.hashsalt": "caseflow",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
})

# Colour-blind safe (Okabe-Ito), also readable when printed in grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")


@dataclass(frozen=True)
class Chart:
    """An SVG picture with the text alternative that goes with it."""

    svg: str
    alt: str

    @property
    def data_uri(self) -> str:
        encoded = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"


def _finish(figure: Figure, alt: str) -> Chart:
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return Chart(svg=buffer.getvalue(), alt=alt)


def line_chart(labels: Sequence[str], series: Mapping[str, Sequence[float | None]], *,
               title: str = "", y_label: str = "", y_range: tuple[float, float] | None = None,
               alt: str = "", size: tuple[float, float] = (6.0, 2.6)) -> Chart:
    """One line per series over the same x labels; None leaves a gap."""
    figure = Figure(figsize=size)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    for index, (name, values) in enumerate(series.items()):
        points = [float("nan") if v is None else float(v) for v in values]
        axes.plot(positions, points, marker="o", linewidth=1.5, markersize=3.5, label=name,
                  color=PALETTE[index % len(PALETTE)])
    axes.set_xticks(positions, labels=list(labels))
    if y_range is not None:
        axes.set_ylim(*y_range)
    if y_label:
        axes.set_ylabel(y_label)
    if title:
        axes.set_title(title, loc="left")
    axes.grid(axis="y", linewidth=0.4, alpha=0.6)
    if len(series) > 1:
        axes.legend(loc="best", frameon=False, fontsize=7)
    return _finish(figure, alt or title)


def bar_chart(labels: Sequence[str], series: Mapping[str, Sequence[float]], *,
              title: str = "", value_label: str = "", horizontal: bool = False,
              stacked: bool = False, alt: str = "",
              size: tuple[float, float] = (6.0, 2.8)) -> Chart:
    """Bars per label, one colour per series (grouped side by side, or stacked)."""
    figure = Figure(figsize=size)
    axes = figure.add_subplot()
    count = max(len(series), 1)
    width = 0.8 if stacked else 0.8 / count
    positions = list(range(len(labels)))
    base = [0.0] * len(labels)
    for index, (name, values) in enumerate(series.items()):
        offset = 0.0 if stacked else (index - (count - 1) / 2) * width
        spots = [p + offset for p in positions]
        draw = axes.barh if horizontal else axes.bar
        kwargs = {"left": base} if horizontal else {"bottom": base}
        draw(spots, list(values), width, label=name, color=PALETTE[index % len(PALETTE)],
             **(kwargs if stacked else {}))
        if stacked:
            base = [b + float(v) for b, v in zip(base, values, strict=True)]
    if horizontal:
        axes.set_yticks(positions, labels=list(labels))
        axes.invert_yaxis()
        if value_label:
            axes.set_xlabel(value_label)
        axes.grid(axis="x", linewidth=0.4, alpha=0.6)
    else:
        axes.set_xticks(positions, labels=list(labels),
                        rotation=45 if len(labels) > 6 else 0,
                        ha="right" if len(labels) > 6 else "center")
        if value_label:
            axes.set_ylabel(value_label)
        axes.grid(axis="y", linewidth=0.4, alpha=0.6)
    if title:
        axes.set_title(title, loc="left")
    if len(series) > 1:
        axes.legend(loc="best", frameon=False, fontsize=7)
    return _finish(figure, alt or title)
