"""Template helpers shared by every app: `{{ text|markdown }}`, `{{ seconds|duration }}`."""

from django import template

from portal.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    return render_markdown(text)


@register.filter
def duration(seconds) -> str:
    """A number of seconds in words a stakeholder reads at a glance: '2 h 10 min', '3 d 4 h', '45 s'."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(abs(float(seconds)))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"
