"""Trend charts for the retro pack: one small-multiples PNG per objective.

Speed matters (100 packs of 20 KRs in well under 30 s on 2 cores), so: the Agg canvas
directly (no pyplot and its global state), one figure per objective rather than per KR,
a low resolution, and the figure for each grid size built once per thread and reused —
only the lines' data and the titles change between charts.
"""

from __future__ import annotations

import io
import math
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # never a GUI backend on a server, whatever the environment says

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402  (matplotlib's own dependency)

COLUMNS = 2
MAX_PER_FIGURE = 6  # more KRs than this are split over several pictures
WIDTH_IN = 6.4
ROW_HEIGHT_IN = 1.45
DPI = 100  # sharp enough on screen and print at 6 in wide; cost grows with the pixels
Y_LIMITS = (-0.05, 1.15)
PALETTE_COLOURS = 32

PROGRESS_COLOUR = "#1f5fa8"
EXPECTED_COLOUR = "#8c8c8c"
CONFIDENCE_COLOUR = "#d07a00"


@dataclass(frozen=True, slots=True)
class KrSeries:
    """One KR's lines, x in days since the quarter began, y as fractions (1.0 = target)."""

    title: str
    progress: tuple[tuple[float, float], ...]
    confidence: tuple[tuple[float, float], ...]
    expected: tuple[tuple[float, float], ...]


class _Grid:
    """A reusable figure with rows x COLUMNS axes and three lines in each."""

    def __init__(self, rows: int, days: int) -> None:
        self.fig = Figure(figsize=(WIDTH_IN, ROW_HEIGHT_IN * rows + 0.3), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)  # it becomes fig.canvas; kept typed as the Agg canvas
        axes = self.fig.subplots(rows, COLUMNS, squeeze=False, sharex=True, sharey=True)
        self.axes = [ax for row in axes for ax in row]
        self.lines = []
        self.titles = []
        weeks = list(range(0, days + 1, 14))
        for ax in self.axes:
            expected = ax.plot([], [], color=EXPECTED_COLOUR, linewidth=1, linestyle=":")[0]
            progress = ax.plot([], [], color=PROGRESS_COLOUR, linewidth=1.6, marker="o", markersize=2.5)[0]
            confidence = ax.plot([], [], color=CONFIDENCE_COLOUR, linewidth=1, linestyle="--")[0]
            self.lines.append((progress, confidence, expected))
            # parse_math off: a "$" in a KR title is a dollar sign, not mathtext.
            self.titles.append(ax.set_title("", fontsize=7, loc="left", parse_math=False))
            ax.set_xlim(0, days)
            ax.set_ylim(*Y_LIMITS)
            ax.set_xticks(weeks, [f"w{d // 7 + 1}" for d in weeks])
            ax.set_yticks([0, 0.5, 1.0], ["0", "50%", "100%"])
            ax.tick_params(labelsize=6, length=2, pad=1)
            ax.grid(True, linewidth=0.3, alpha=0.5)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        self.fig.legend(
            [self.lines[0][0], self.lines[0][2], self.lines[0][1]],
            ["progress", "expected", "confidence"],
            loc="lower center",
            ncol=3,
            fontsize=6,
            frameon=False,
        )
        height = ROW_HEIGHT_IN * rows + 0.3
        self.fig.subplots_adjust(
            left=0.07, right=0.99, top=1 - 0.2 / height, bottom=0.5 / height, hspace=0.45, wspace=0.12
        )

        self._background = None

    def render(self, series: Sequence[KrSeries]) -> bytes:
        canvas = self.canvas
        with warnings.catch_warnings():
            # Glyphs the font lacks (emoji, some scripts) draw as boxes; that is not an error.
            warnings.simplefilter("ignore")
            if self._background is None:
                # Axes, ticks, grid and legend are the same for every chart: draw them once
                # and only paint the lines and titles over a copy (blitting).
                canvas.draw()
                self._background = canvas.copy_from_bbox(self.fig.bbox)
            canvas.restore_region(self._background)
            renderer = canvas.get_renderer()
            for i, ax in enumerate(self.axes):
                if i >= len(series):
                    # A grid cell with no KR is painted over in the figure's background colour.
                    self._blank(ax, renderer)
                    continue
                s = series[i]
                for line, pts in zip(self.lines[i], (s.progress, s.confidence, s.expected)):
                    line.set_data([p[0] for p in pts], [_clip(p[1]) for p in pts])
                    ax.draw_artist(line)
                self.titles[i].set_text(_short(s.title))
                ax.draw_artist(self.titles[i])
            image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        # A 32-colour palette (the chart has few colours plus anti-aliasing) encodes twice as
        # fast as RGB and is a third of the size; zlib level 1 is plenty for flat pictures.
        image.convert("RGB").quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE).save(
            buf, format="PNG", compress_level=1
        )
        return buf.getvalue()

    def _blank(self, ax, renderer) -> None:
        from matplotlib.patches import Rectangle

        bbox = ax.get_tightbbox(renderer)
        if bbox is None:
            return
        patch = Rectangle((bbox.x0, bbox.y0), bbox.width, bbox.height, transform=None, color="white", zorder=10)
        patch.set_figure(self.fig)
        patch.draw(renderer)


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _clip(y: float) -> float:
    # Overshoot and negative progress still show, pinned to the edge rather than off the chart.
    return min(Y_LIMITS[1], max(Y_LIMITS[0], y))


_local = threading.local()


def _grid(rows: int, days: int) -> _Grid:
    cache: dict[tuple[int, int], _Grid] = getattr(_local, "grids", None) or {}
    _local.grids = cache
    key = (rows, days)
    if key not in cache:
        cache[key] = _Grid(rows, days)
    return cache[key]


def render_objective_charts(series: Sequence[KrSeries], *, days: int) -> list[bytes]:
    """PNG pictures of the KRs' trends, at most MAX_PER_FIGURE KRs in each."""
    pictures = []
    for start in range(0, len(series), MAX_PER_FIGURE):
        chunk = series[start : start + MAX_PER_FIGURE]
        rows = math.ceil(len(chunk) / COLUMNS)
        pictures.append(_grid(rows, days).render(chunk))
    return pictures
