"""An SLO and its SLA in plain words, for stakeholders and the SLO list."""

from catalog.models import Slo
from catalog.slo.choices import SliKind, SloWindow

WINDOW_WORDS = {
    SloWindow.ROLLING_7D: "over any 7 days",
    SloWindow.ROLLING_30D: "over any 30 days",
    SloWindow.CALENDAR_MONTH: "each calendar month",
}


def _hours(value: float) -> str:
    return f"{value:g} hour{'s' if value != 1 else ''}"


def sla_words(slo: Slo) -> str:
    """The promise: 'Never more than 4 hours old (99 % of the time, over any 30 days).'"""
    window = WINDOW_WORDS[slo.window]
    if slo.sli_kind == SliKind.FRESHNESS:
        return f"Never more than {_hours(slo.sla)} old ({slo.target:g} % of the time, {window})."
    if slo.sli_kind == SliKind.COMPLETENESS:
        return f"At least {slo.sla:g} % of the required values are filled in, {window}."
    if slo.sli_kind == SliKind.PIPELINE_SUCCESS:
        return f"At least {slo.sla:g} % of the pipeline's runs succeed, {window}."
    if slo.sli_kind == SliKind.AVAILABILITY:
        return f"Available at least {slo.sla:g} % of the time, {window}."
    if slo.sli_kind == SliKind.VOLUME_ANOMALY:
        return f"Row counts stay within {slo.sla:g} standard deviations of normal ({slo.target:g} % of days, {window})."
    return f"Answers within {slo.sla:g} ms ({slo.target:g} % of requests, {window})."


def objective_words(slo: Slo) -> str:
    """The internal target, shorter: '< 2 h, 99 % of the time' or '> 99.5 %'."""
    if slo.is_ratio:
        return f"≥ {slo.objective:g} %"
    unit = {"h": " h", "ms": " ms", "z": ""}[slo.unit]
    prefix = "|z| ≤ " if slo.sli_kind == SliKind.VOLUME_ANOMALY else "≤ "
    return f"{prefix}{slo.objective:g}{unit}, {slo.target:g} % of the time"


def threshold_words(slo: Slo, value: float) -> str:
    if slo.is_ratio:
        return f"{value:g} %"
    unit = {"h": " h", "ms": " ms", "z": ""}[slo.unit]
    return f"{value:g}{unit}"
