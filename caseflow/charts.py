"""Charts drawn on the server with matplotlib, as PNG for print and SVG for the screen.

The printed reports embed a PNG as a data: URL (the only kind of URL the PDF fetcher accepts
besides static files): WeasyPrint places a bitmap about twenty times faster than it draws an
SVG whose text is paths, and at 200 dpi the print is as sharp as the paper. The manager's
dashboard keeps SVG, crisp at any zoom, in an <img> with a data: URL (so no script and no
inline SVG styles are needed).

In SVG, text is drawn as paths (`svg.fonttype = path`): the SVG carries no font reference and
no user text as markup (matplotlib only repeats each text, escaped, in an XML comment), so an
office or partner name can never inject anything into the picture, and it looks the same in
every viewer. matplotlib's own DejaVu Sans covers Latin and
Cyrillic. We use the object-oriented Figure API with an Agg canvas, never pyplot: pyplot keeps
global state and is not safe in a multi-threaded server.

The figure is drawn once, by savefig: margins are computed from the sizes of the texts the
chart carries (tick labels, axis labels, title, legend) instead of by tight_layout(), which
draws the whole figure a second time only to measure it.
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.textpath import TextToPath
from matplotlib.ticker import MaxNLocator
from PIL import Image

ImageFormat = Literal["svg", "png"]
MIME_TYPES: dict[str, str] = {"svg": "image/svg+xml", "png": "image/png"}
PRINT_DPI = 200

FONT_SIZE = 8.0
TITLE_SIZE = 9.5
LEGEND_SIZE = 7.0
# Legend spacing, in font sizes (matplotlib's units for these).
LEGEND_HANDLE_LENGTH = 2.0
LEGEND_TEXT_PAD = 0.8
LEGEND_COLUMN_SPACING = 1.5
LEGEND_ROW_SPACING = 0.3
LEGEND_HANDLE = (LEGEND_HANDLE_LENGTH + LEGEND_TEXT_PAD) * LEGEND_SIZE
LINE_HEIGHT = 1.2  # of the font size, as matplotlib spaces lines
EDGE = 4.0  # points of white around the figure
TICK_SPACE = 3.5 + 3.5 + 1.0  # tick length + pad between tick and label, and a little air
LABEL_PAD = 4.0  # between tick labels and the axis label
MAX_X_LABELS = 12  # more than this and only every n-th x tick is labelled
WRAP_AT = 28  # characters per line of a category label on horizontal bars
MIN_PLOT_HEIGHT = 54.0  # points (3/4 inch) for the plot area, whatever the margins take

# Fixed salt (and, at savefig, no date and no "Creator" naming the matplotlib version): the
# same data gives the same SVG bytes, which keeps reports reproducible.
matplotlib.rcParams.update({
    "svg.fonttype": "path",
    "svg.hashsalt": "caseflow",
    "font.family": "DejaVu Sans",
    "font.size": FONT_SIZE,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.major.size": 3.5,
    "ytick.major.size": 3.5,
    "xtick.major.pad": 3.5,
    "ytick.major.pad": 3.5,
    "axes.labelpad": LABEL_PAD,
})

# Colour-blind safe (Okabe-Ito), also readable when printed in grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")


@dataclass(frozen=True)
class Chart:
    """A picture (SVG or PNG bytes) with the text alternative that goes with it."""

    image: bytes
    format: ImageFormat
    alt: str

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]

    @property
    def svg(self) -> str:
        """The SVG text (only for a chart drawn as SVG)."""
        if self.format != "svg":
            raise ValueError("this chart was drawn as PNG")
        return self.image.decode("utf-8")

    @property
    def data_uri(self) -> str:
        encoded = base64.b64encode(self.image).decode("ascii")
        return f"data:{self.mime_type};base64,{encoded}"


# -- measuring text, in points ---------------------------------------------------------------
_MEASURE = TextToPath()


@lru_cache(maxsize=4096)
def _text_size(text: str, size: float) -> tuple[float, float]:
    """Width and height in points of `text` (possibly several lines) at `size` points."""
    lines = text.split("\n") or [""]
    font = FontProperties(family="DejaVu Sans", size=size)
    width = max((_MEASURE.get_text_width_height_descent(line, font, ismath=False)[0]
                 if line else 0.0) for line in lines)
    return width, size * LINE_HEIGHT * len(lines)


def _widest(texts: Sequence[str], size: float = FONT_SIZE) -> float:
    return max((_text_size(t, size)[0] for t in texts if t), default=0.0)


def _line(size: float = FONT_SIZE, lines: int = 1) -> float:
    return size * LINE_HEIGHT * lines


# -- layout ----------------------------------------------------------------------------------
@dataclass
class _Layout:
    """Space around the plot area, in points, and the title and legend that go above it
    (placed once the figure's final height is known)."""

    width: float
    left: float = EDGE
    right: float = EDGE + 6.0
    top: float = EDGE + 4.0
    bottom: float = EDGE
    title: str = ""
    legend: Sequence[str] = ()
    legend_columns: int = 1
    legend_top: float = 0.0

    def add_title(self, title: str) -> None:
        if title:
            self.title = title
            self.top = EDGE + _line(TITLE_SIZE) + 4.0

    def add_legend(self, names: Sequence[str]) -> None:
        """A legend above the plot area, under the title, in as many columns as fit: inside
        the plot it would hide bars, and placing it "best" costs a search over the data."""
        if len(names) < 2:
            return
        entry = LEGEND_HANDLE + _widest(names, LEGEND_SIZE)
        spacing = LEGEND_COLUMN_SPACING * LEGEND_SIZE
        fit = int((self.width - 2 * EDGE + spacing) // (entry + spacing))
        self.legend = list(names)
        self.legend_columns = max(1, min(len(names), fit))
        rows = math.ceil(len(names) / self.legend_columns)
        self.legend_top = self.top
        self.top += rows * _line(LEGEND_SIZE) + (rows - 1) * LEGEND_ROW_SPACING * LEGEND_SIZE \
            + 6.0

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right


def _numeric_tick_labels(axes: Axes, which: str) -> list[str]:
    """The labels the value axis will get once autoscaled (the locator and formatter decide
    them at draw time; asking them now costs no drawing)."""
    axis = axes.yaxis if which == "y" else axes.xaxis
    low, high = axes.get_ylim() if which == "y" else axes.get_xlim()
    locations = [v for v in axis.get_major_locator().tick_values(low, high)
                 if min(low, high) - 1e-9 <= v <= max(low, high) + 1e-9]
    return [str(label) for label in axis.get_major_formatter().format_ticks(locations)]


def _thinned(labels: Sequence[str]) -> list[str]:
    """Every n-th label, so that at most MAX_X_LABELS are written (the ticks all stay)."""
    step = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    return [label if index % step == 0 else "" for index, label in enumerate(labels)]


def _new_figure(size: tuple[float, float], image: ImageFormat) -> tuple[Figure, Axes]:
    if image not in MIME_TYPES:
        raise ValueError(f"unknown image format {image!r}")
    # 72 dpi makes figure pixels points; savefig sets the real resolution of a PNG.
    figure = Figure(figsize=size, dpi=72)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _finish(figure: Figure, layout: _Layout, image: ImageFormat, alt: str,
            min_plot_height: float = MIN_PLOT_HEIGHT) -> Chart:
    width, height = (v * 72 for v in figure.get_size_inches())
    if height - layout.top - layout.bottom < min_plot_height:
        # Long labels must not squeeze the bars away: the figure grows instead.
        height = layout.top + layout.bottom + min_plot_height
        figure.set_size_inches(width / 72, height / 72)
    figure.subplots_adjust(left=layout.left / width, right=1 - layout.right / width,
                           top=1 - layout.top / height, bottom=layout.bottom / height)
    # Title and legend are figure texts: an axes title is moved out of the way of the ticks
    # at draw time (one more layout pass), a figure text stays where it is put.
    if layout.title:
        figure.text(EDGE / width, 1 - EDGE / height, layout.title, ha="left", va="top",
                    fontsize=TITLE_SIZE)
    if layout.legend:
        handles = [Patch(color=PALETTE[i % len(PALETTE)]) for i in range(len(layout.legend))]
        figure.legend(handles, list(layout.legend), loc="upper left",
                      bbox_to_anchor=(EDGE / width, 1 - layout.legend_top / height),
                      ncols=layout.legend_columns, frameon=False, fontsize=LEGEND_SIZE,
                      borderpad=0, borderaxespad=0, handlelength=LEGEND_HANDLE_LENGTH,
                      handletextpad=LEGEND_TEXT_PAD, columnspacing=LEGEND_COLUMN_SPACING,
                      labelspacing=LEGEND_ROW_SPACING)
    buffer = io.BytesIO()
    if image == "png":
        _write_png(figure, buffer)
    else:
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return Chart(image=buffer.getvalue(), format=image, alt=alt)


def _write_png(figure: Figure, buffer: io.BytesIO) -> None:
    """The figure as an RGB PNG at PRINT_DPI, written by Pillow with nothing but the
    resolution: no date and no "Software" entry (the matplotlib version), so the same data
    gives the same bytes. Without an alpha channel WeasyPrint embeds it without a soft mask,
    and light compression is enough as WeasyPrint compresses the pixels again in the PDF."""
    figure.set_dpi(PRINT_DPI)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    picture = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA",
                               0, 1)
    picture.convert("RGB").save(buffer, format="png", compress_level=1,
                                dpi=(PRINT_DPI, PRINT_DPI))


def _category_x_axis(axes: Axes, labels: Sequence[str], layout: _Layout) -> None:
    """x tick labels under bars or points: thinned when many, turned 45 degrees when they
    would touch, and the bottom margin made to hold them."""
    shown = _thinned(labels) if len(labels) > MAX_X_LABELS else list(labels)
    positions = list(range(len(labels)))
    written = [label for label in shown if label]
    slot = layout.plot_width / max(len(labels), 1)
    spacing = slot * len(labels) / max(len(written), 1)
    widest = _widest(written)
    if written and widest + 6.0 > spacing:
        axes.set_xticks(positions, labels=shown, rotation=45, ha="right",
                        rotation_mode="anchor")
        diagonal = math.sqrt(0.5)
        layout.bottom += TICK_SPACE + (widest + _line()) * diagonal
        # The first label leans left, past the plot's edge when it is long.
        first = (_text_size(written[0], FONT_SIZE)[0] + _line()) * diagonal
        layout.left = max(layout.left, EDGE + first - slot / 2)
    else:
        axes.set_xticks(positions, labels=shown)
        layout.bottom += TICK_SPACE + _line()
    axes.set_xlim(-0.5, len(labels) - 0.5)


def _value_axis_left(axes: Axes, axis_label: str, layout: _Layout) -> None:
    if axis_label:
        axes.set_ylabel(axis_label)
        layout.left += _line() + LABEL_PAD
    layout.left += _widest(_numeric_tick_labels(axes, "y")) + TICK_SPACE


# -- the charts ------------------------------------------------------------------------------
def line_chart(labels: Sequence[str], series: Mapping[str, Sequence[float | None]], *,
               title: str = "", y_label: str = "", y_range: tuple[float, float] | None = None,
               alt: str = "", size: tuple[float, float] = (6.0, 2.6),
               image: ImageFormat = "svg") -> Chart:
    """One line per series over the same x labels; None leaves a gap."""
    figure, axes = _new_figure(size, image)
    layout = _Layout(width=size[0] * 72)
    positions = list(range(len(labels)))
    for index, values in enumerate(series.values()):
        points = [float("nan") if v is None else float(v) for v in values]
        axes.plot(positions, points, marker="o", linewidth=1.5, markersize=3.5,
                  color=PALETTE[index % len(PALETTE)])
    if y_range is not None:
        axes.set_ylim(*y_range)
    axes.grid(axis="y", linewidth=0.4, alpha=0.6)
    layout.add_title(title)
    layout.add_legend(list(series))
    _value_axis_left(axes, y_label, layout)
    _category_x_axis(axes, labels, layout)
    return _finish(figure, layout, image, alt or title)


def bar_chart(labels: Sequence[str], series: Mapping[str, Sequence[float]], *,
              title: str = "", value_label: str = "", horizontal: bool = False,
              stacked: bool = False, alt: str = "",
              size: tuple[float, float] = (6.0, 2.8), image: ImageFormat = "svg") -> Chart:
    """Bars per label, one colour per series (grouped side by side, or stacked)."""
    figure, axes = _new_figure(size, image)
    layout = _Layout(width=size[0] * 72)
    count = max(len(series), 1)
    bar_width = 0.8 if stacked else 0.8 / count
    positions = list(range(len(labels)))
    base = [0.0] * len(labels)
    for index, values in enumerate(series.values()):
        offset = 0.0 if stacked else (index - (count - 1) / 2) * bar_width
        spots = [p + offset for p in positions]
        draw = axes.barh if horizontal else axes.bar
        kwargs = {"left": base} if horizontal else {"bottom": base}
        draw(spots, list(values), bar_width, color=PALETTE[index % len(PALETTE)],
             **(kwargs if stacked else {}))
        if stacked:
            base = [b + float(v) for b, v in zip(base, values, strict=True)]
    if all(float(v).is_integer() for values in series.values() for v in values):
        # Counts: no tick at half a case.
        value_axis = axes.xaxis if horizontal else axes.yaxis
        value_axis.set_major_locator(MaxNLocator(integer=True))
    if not any(float(v) for values in series.values() for v in values):
        # Nothing to show: an axis from 0 to 1, not matplotlib's +-0.05 around zero.
        (axes.set_xlim if horizontal else axes.set_ylim)(0, 1)
    layout.add_title(title)
    layout.add_legend(list(series))
    min_plot_height = MIN_PLOT_HEIGHT
    if horizontal:
        wrapped = [textwrap.fill(str(label), WRAP_AT) or " " for label in labels]
        axes.set_yticks(positions, labels=wrapped)
        axes.set_ylim(len(labels) - 0.5, -0.5)  # the first label on top
        layout.left += _widest(wrapped) + TICK_SPACE
        layout.bottom += _line() + TICK_SPACE
        if value_label:
            axes.set_xlabel(value_label)
            layout.bottom += _line() + LABEL_PAD
        axes.grid(axis="x", linewidth=0.4, alpha=0.6)
        # Each row needs the height of its label's lines and some air between rows.
        tallest = max((label.count("\n") + 1 for label in wrapped), default=1)
        min_plot_height = max(MIN_PLOT_HEIGHT, len(labels) * (_line(lines=tallest) + 3.0))
    else:
        _value_axis_left(axes, value_label, layout)
        _category_x_axis(axes, labels, layout)
        axes.grid(axis="y", linewidth=0.4, alpha=0.6)
    return _finish(figure, layout, image, alt or title, min_plot_height)
