"""The hill chart as a server-rendered SVG: the hill curve, a dot per scope on it, and the scopes' labels.

Positions run from 0 to 100: uphill (0-50) is figuring out what to do, downhill (50-100) is getting it done.
The curve is y = (1 - cos(2*pi*p/100)) / 2: flat at both feet, highest at 50, so dots sit on the line.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from planning.rules import hill_phase

WIDTH, HEIGHT = 640, 250
LEFT, RIGHT = 30, 610  # x of position 0 and position 100
BASE_Y, TOP_Y = 200, 50  # y of the feet and of the top of the hill
PHASE_COLOURS = {"uphill": "#9a6700", "downhill": "#0b5cad", "done": "#1a7f37"}


@dataclass(frozen=True)
class Dot:
    label: str
    position: int
    stale: bool = False


def hill_height(position: float) -> float:
    """0 at the feet (0 and 100), 1 at the top (50)."""
    return (1 - math.cos(2 * math.pi * position / 100)) / 2


def hill_point(position: float) -> tuple[float, float]:
    """SVG coordinates of a position on the curve."""
    x = LEFT + (RIGHT - LEFT) * position / 100
    y = BASE_Y - (BASE_Y - TOP_Y) * hill_height(position)
    return round(x, 1), round(y, 1)


def curve_path() -> str:
    points = [hill_point(p) for p in range(101)]
    return "M" + " L".join(f"{x},{y}" for x, y in points)


def render_svg(dots: Iterable[Dot], *, title: str = "Hill chart") -> SafeString:
    dots = list(dots)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hill-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<path class="hill-curve" d="{curve_path()}" fill="none" stroke="#57606a" stroke-width="2"/>',
        f'<line x1="{hill_point(50)[0]}" y1="{TOP_Y - 10}" x2="{hill_point(50)[0]}" y2="{BASE_Y + 10}" '
        'stroke="#d0d7de" stroke-dasharray="4 4"/>',
        f'<line x1="{LEFT}" y1="{BASE_Y}" x2="{RIGHT}" y2="{BASE_Y}" stroke="#d0d7de"/>',
        f'<text x="{(LEFT + hill_point(50)[0]) / 2}" y="{BASE_Y + 30}" text-anchor="middle" font-size="12" '
        'fill="#57606a">Figuring things out</text>',
        f'<text x="{(RIGHT + hill_point(50)[0]) / 2}" y="{BASE_Y + 30}" text-anchor="middle" font-size="12" '
        'fill="#57606a">Making it happen</text>',
    ]
    if not dots:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{TOP_Y - 20}" text-anchor="middle" font-size="13" fill="#57606a">'
            "No scopes on the hill yet</text>"
        )
    for index, dot in enumerate(dots):
        x, y = hill_point(dot.position)
        phase = hill_phase(dot.position)
        # Labels take turns at three heights so neighbouring dots do not print over each other.
        label_y = round(y - 12 - (index % 3) * 13, 1)
        anchor = "start" if dot.position < 15 else "end" if dot.position > 85 else "middle"
        label = escape(dot.label)
        ring = ' stroke="#cf222e" stroke-width="3"' if dot.stale else ""
        stale_note = " — not moved lately" if dot.stale else ""
        parts.append(
            f'<g class="hill-scope" data-scope="{label}" data-position="{dot.position}" data-phase="{phase}">'
            f"<title>{label}: {dot.position} ({phase}){stale_note}</title>"
            f'<circle cx="{x}" cy="{y}" r="7" fill="{PHASE_COLOURS[phase]}"{ring}/>'
            f'<text x="{x}" y="{label_y}" text-anchor="{anchor}" font-size="12" fill="#1b1f24">{label}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every interpolated text is escaped above)
