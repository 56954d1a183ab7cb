"""Server-rendered SVG line charts: the SLI and the error budget burning down over the SLO's window."""

from dataclasses import dataclass, field
from datetime import datetime

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 10, 24


@dataclass
class Chart:
    title: str
    path: str = ""
    refs: list[dict] = field(default_factory=list)  # horizontal lines: {"y", "label", "css"}
    x_labels: list[dict] = field(default_factory=list)
    y_labels: list[dict] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def empty(self) -> bool:
        return not self.path


def line_chart(
    title: str,
    points: list[tuple[datetime, float | None]],
    *,
    start: datetime,
    end: datetime,
    refs: list[tuple[float, str, str]] = (),
    floor: float | None = None,
    ceiling: float | None = None,
    unit: str = "",
    step: bool = False,
) -> Chart:
    """`points` in time order; gaps (None) break the line; `refs` are (value, label, css class) lines."""
    chart = Chart(title)
    values = [v for _t, v in points if v is not None] + [r[0] for r in refs]
    if not values:
        return chart
    low = min(values) if floor is None else min(floor, min(values))
    high = max(values) if ceiling is None else max(ceiling, max(values))
    if high == low:
        high, low = high + 1, low - 1
    span = (end - start).total_seconds() or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return round(LEFT + plot_w * min(max((at - start).total_seconds() / span, 0), 1), 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - (value - low) / (high - low)), 1)

    parts, pen_down, last_y = [], False, None
    for at, value in points:
        if value is None:
            pen_down = False
            continue
        if step and pen_down and last_y is not None:
            parts.append(f"L{x(at)},{last_y}")
        parts.append(f"{'L' if pen_down else 'M'}{x(at)},{y(value)}")
        pen_down, last_y = True, y(value)
    chart.path = " ".join(parts)
    chart.refs = [{"y": y(v), "label": label, "css": css} for v, label, css in refs]
    chart.y_labels = [{"y": y(v), "text": f"{round(v, 2):g}{unit}"} for v in (low, (low + high) / 2, high)]
    chart.x_labels = [
        {"x": x(start), "text": f"{start:%d %b}", "anchor": "start"},
        {"x": x(end), "text": f"{end:%d %b %H:%M}", "anchor": "end"},
    ]
    return chart
