"""R8 and the shape of an SLO's numbers, as a pure function that returns {field: message}."""

import math

from catalog.slo.choices import RATIO_KINDS, UNITS


def _fmt(value: float, kind: str) -> str:
    unit = UNITS.get(kind, "")
    if unit == "z":
        return f"z-score {value:g}"
    return f"{value:g} {unit}".strip()


def objective_problems(*, sli_kind: str, objective, sla, target) -> dict[str, str]:
    """What is wrong with an SLO's objective, SLA and target (empty when nothing is)."""
    problems: dict[str, str] = {}
    numbers = {"objective": objective, "sla": sla}
    if sli_kind not in RATIO_KINDS:
        numbers["target"] = target
    for field, value in numbers.items():
        if value is None:
            problems[field] = "This field is required."
        elif not math.isfinite(value):
            problems[field] = "Give a finite number."
    if problems:
        return problems
    if sli_kind in RATIO_KINDS:
        for field, value in numbers.items():
            if not 0 < value < 100:
                problems[field] = "A percentage between 0 and 100 (exclusive), e.g. 99.5."
        if not problems and objective <= sla:
            problems["objective"] = (
                f"The SLO ({_fmt(objective, sli_kind)}) must be stricter than the SLA ({_fmt(sla, sli_kind)}): "
                f"aim higher than you promise, e.g. {_fmt(sla, sli_kind)} promised, a higher objective (R8)."
            )
        return problems
    if objective <= 0:
        problems["objective"] = "A threshold above 0."
    if sla <= 0:
        problems["sla"] = "A threshold above 0."
    if not 0 < target < 100:
        problems["target"] = "How often the threshold must hold, in percent between 0 and 100, e.g. 99."
    if not problems and objective >= sla:
        problems["objective"] = (
            f"The SLO (< {_fmt(objective, sli_kind)}) must be stricter than the SLA (< {_fmt(sla, sli_kind)}): "
            f"set a lower threshold than the one promised to stakeholders (R8)."
        )
    return problems
