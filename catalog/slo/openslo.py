"""OpenSLO v1 (https://github.com/OpenSLO/OpenSLO, apiVersion openslo/v1, kind SLO): export and import.

The SLA, the SLI kind and the dataset have no OpenSLO field; they travel as metadata annotations, so an exported
document imports back to the same SLO. Indicator queries name the metrics our PrometheusRule export uses.
"""

import re
from dataclasses import dataclass

import yaml
from django.core.exceptions import ValidationError

from catalog.models import Slo
from catalog.slo import prometheus
from catalog.slo.choices import RATIO_KINDS, SliKind, SloWindow

API_VERSION = "openslo/v1"
ANNOTATION = "dataops-portal.local/"
DURATIONS = {SloWindow.ROLLING_7D: "7d", SloWindow.ROLLING_30D: "30d", SloWindow.CALENDAR_MONTH: "1M"}
ROLLING_DURATIONS = {"7d": SloWindow.ROLLING_7D, "1w": SloWindow.ROLLING_7D, "30d": SloWindow.ROLLING_30D}
CALENDAR_DURATIONS = {"1M": SloWindow.CALENDAR_MONTH}
MAX_DOCUMENT = 64 * 1024
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def slo_name(slo: Slo) -> str:
    """A DNS-1123 label (at most 63 characters), as OpenSLO asks for metadata.name."""
    parts = [slo.entity.slug, slo.sli_kind]
    if slo.dataset:
        parts.append(slo.dataset)
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower())[:63].strip("-")


def _metric_source(query: str) -> dict:
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}


def to_document(slo: Slo) -> dict:
    name = slo_name(slo)
    if slo.is_ratio:
        good, total = prometheus.event_metrics(slo)
        indicator = {"ratioMetric": {"counter": True, "good": _metric_source(good), "total": _metric_source(total)}}
        label = f"{slo.get_sli_kind_display()} ≥ {slo.objective:g} %"
        objective = {"displayName": label, "target": slo.objective / 100}
    else:
        indicator = {"thresholdMetric": _metric_source(prometheus.value_query(slo))}
        objective = {
            "displayName": f"{slo.get_sli_kind_display()} ≤ {slo.objective:g} {slo.unit}",
            "op": "lte",
            "value": slo.objective,
            "target": slo.target / 100,
        }
    window = {"duration": DURATIONS[slo.window], "isRolling": slo.window != SloWindow.CALENDAR_MONTH}
    if slo.window == SloWindow.CALENDAR_MONTH:
        window["calendar"] = {"startTime": "2020-01-01 00:00:00", "timeZone": "UTC"}
    annotations = {f"{ANNOTATION}sli-kind": slo.sli_kind, f"{ANNOTATION}sla": f"{slo.sla:g}"}
    if slo.dataset:
        annotations[f"{ANNOTATION}dataset"] = slo.dataset
    return {
        "apiVersion": API_VERSION,
        "kind": "SLO",
        "metadata": {"name": name, "displayName": str(slo), "annotations": annotations},
        "spec": {
            "description": slo.description,
            "service": slo.entity.slug,
            "indicator": {"metadata": {"name": f"{name}-sli"[:63]}, "spec": indicator},
            "timeWindow": [window],
            "budgetingMethod": "Occurrences",
            "objectives": [objective],
        },
    }


def export(slo: Slo) -> str:
    return yaml.safe_dump(to_document(slo), sort_keys=False, allow_unicode=True)


@dataclass(frozen=True)
class Imported:
    """What an OpenSLO document says, in the portal's terms (the service is an entity slug)."""

    entity_slug: str
    fields: dict


class _Problems:
    def __init__(self):
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


def _get(mapping, key: str, path: str, problems: _Problems, kind: type = dict, required: bool = True):
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if value is None:
        if required:
            problems.add(f"{path}.{key}" if path else key, "required")
        return None
    if not isinstance(value, kind):
        problems.add(f"{path}.{key}" if path else key, f"must be a {kind.__name__}")
        return None
    return value


def _number(value, path: str, problems: _Problems) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.add(path, f"{value!r} is not a number")
        return None
    return float(value)


def parse(text: str) -> Imported:
    """Read one OpenSLO v1 SLO; raise ValidationError({"document": [...]}) naming every problem by its path."""
    if len(text) > MAX_DOCUMENT:
        raise ValidationError({"document": [f"The document is larger than {MAX_DOCUMENT // 1024} KB."]})
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ValidationError({"document": [f"Not valid YAML{where}: {getattr(exc, 'problem', exc)}."]}) from None
    if not isinstance(doc, dict):
        raise ValidationError({"document": ["Expected one OpenSLO object (a mapping with apiVersion, kind, ...)."]})
    problems = _Problems()
    if doc.get("apiVersion") != API_VERSION:
        problems.add("apiVersion", f"must be {API_VERSION}, not {doc.get('apiVersion')!r}")
    if doc.get("kind") != "SLO":
        problems.add("kind", f"must be SLO, not {doc.get('kind')!r}")
    metadata = _get(doc, "metadata", "", problems) or {}
    name = _get(metadata, "name", "metadata", problems, str)
    if name and not DNS_LABEL.match(name):
        problems.add("metadata.name", "lowercase letters, digits and '-', at most 63 characters")
    annotations = _get(metadata, "annotations", "metadata", problems, dict, required=False) or {}
    spec = _get(doc, "spec", "", problems) or {}
    service = _get(spec, "service", "spec", problems, str)
    indicator_spec = (_get(spec, "indicator", "spec", problems) or {}).get("spec") or {}
    is_ratio = "ratioMetric" in indicator_spec
    if not is_ratio and "thresholdMetric" not in indicator_spec:
        problems.add("spec.indicator.spec", "needs a ratioMetric or a thresholdMetric")
    kind = annotations.get(f"{ANNOTATION}sli-kind") or (SliKind.AVAILABILITY if is_ratio else SliKind.LATENCY)
    if kind not in SliKind.values:
        problems.add(f"metadata.annotations.{ANNOTATION}sli-kind", f"one of {', '.join(SliKind.values)}")
    elif (kind in RATIO_KINDS) != is_ratio:
        metric = "ratioMetric" if kind in RATIO_KINDS else "thresholdMetric"
        problems.add("spec.indicator.spec", f"a {kind} SLO is measured with a {metric}")
    windows = _get(spec, "timeWindow", "spec", problems, list) or []
    window = None
    if len(windows) != 1 or not isinstance(windows[0], dict):
        problems.add("spec.timeWindow", "exactly one time window")
    else:
        duration, rolling = windows[0].get("duration"), windows[0].get("isRolling")
        window = (ROLLING_DURATIONS if rolling else CALENDAR_DURATIONS).get(duration)
        if window is None:
            problems.add("spec.timeWindow[0]", "the portal keeps 7d or 30d rolling windows, or a 1M calendar month")
    objectives = _get(spec, "objectives", "spec", problems, list) or []
    fields: dict = {"sli_kind": kind, "window": window, "description": spec.get("description") or ""}
    if len(objectives) != 1 or not isinstance(objectives[0], dict):
        problems.add("spec.objectives", "exactly one objective")
    else:
        objective = objectives[0]
        target = _number(objective.get("target"), "spec.objectives[0].target", problems)
        if target is not None and not 0 < target < 1:
            problems.add("spec.objectives[0].target", "a ratio between 0 and 1, e.g. 0.995")
        elif target is not None and is_ratio:
            fields["objective"] = round(target * 100, 6)
        elif target is not None:
            fields["target"] = round(target * 100, 6)
            if objective.get("op") not in ("lte", "lt"):
                problems.add("spec.objectives[0].op", "the portal's thresholds are upper bounds: lte or lt")
            fields["objective"] = _number(objective.get("value"), "spec.objectives[0].value", problems)
    sla = annotations.get(f"{ANNOTATION}sla")
    try:
        fields["sla"] = float(sla)
    except (TypeError, ValueError):
        problems.add(
            f"metadata.annotations.{ANNOTATION}sla",
            "the SLA promised to stakeholders, in the objective's unit (OpenSLO has no field for it)",
        )
    fields["dataset"] = annotations.get(f"{ANNOTATION}dataset") or ""
    if problems.items:
        raise ValidationError({"document": problems.items})
    return Imported(entity_slug=service, fields=fields)
