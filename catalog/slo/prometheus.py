"""A PrometheusRule manifest (prometheus-operator's monitoring.coreos.com/v1 CRD) for an SLO's burn-rate alerts.

Recording rules give the SLI's error ratio over the five alert windows; the three alerts are the
multi-window multi-burn-rate ones (1 h / 5 m at 14.4x and 6 h / 30 m at 6x page, 3 d / 6 h at 1x opens a
ticket). The metrics are the ones a pipeline exports for the portal's SLIs:
`portal_sli_good_events_total` / `portal_sli_events_total` (counters), `portal_sli_value` (a gauge) and
`portal_data_product_last_refresh_timestamp_seconds` (a gauge), each labelled with `slo` or `data_product`.
"""

import yaml

from catalog.models import Slo
from catalog.slo.budget import ALERT_WINDOWS, BURN_ALERTS
from catalog.slo.choices import SliKind


def _name(slo: Slo) -> str:
    from catalog.slo.openslo import slo_name

    return slo_name(slo)


def event_metrics(slo: Slo) -> tuple[str, str]:
    label = f'slo="{_name(slo)}"'
    return f"portal_sli_good_events_total{{{label}}}", f"portal_sli_events_total{{{label}}}"


def value_query(slo: Slo) -> str:
    """The SLI as a value compared with the threshold: hours of staleness, |z|, or milliseconds."""
    if slo.sli_kind == SliKind.FRESHNESS:
        selector = f'data_product="{slo.entity.slug}"' + (f',dataset="{slo.dataset}"' if slo.dataset else "")
        return f"(time() - max(portal_data_product_last_refresh_timestamp_seconds{{{selector}}})) / 3600"
    value = f'portal_sli_value{{slo="{_name(slo)}"}}'
    return f"abs({value})" if slo.sli_kind == SliKind.VOLUME_ANOMALY else value


def error_ratio_query(slo: Slo, window: str) -> str:
    if slo.is_ratio:
        good, total = event_metrics(slo)
        return f"1 - (sum(rate({good}[{window}])) / sum(rate({total}[{window}])))"
    # The share of samples (one a minute) over the threshold.
    return f"1 - avg_over_time(({value_query(slo)} <= bool {slo.objective:g})[{window}:1m])"


def manifest(slo: Slo, page_url: str = "") -> dict:
    name = _name(slo)
    allowed = round(1 - slo.target_percent / 100, 6)
    labels = {"slo": name, "entity": slo.entity.slug, "tier": str(slo.entity.tier)}
    recording = [
        {"record": f"slo:sli_error:ratio_rate{window}", "expr": error_ratio_query(slo, window), "labels": labels}
        for window in ALERT_WINDOWS
    ]
    alerts = []
    for alert in BURN_ALERTS:
        threshold = f"({alert.factor:g} * {allowed:g})"
        expr = (
            f'(slo:sli_error:ratio_rate{alert.long}{{slo="{name}"}} > {threshold})\n'
            f'and\n(slo:sli_error:ratio_rate{alert.short}{{slo="{name}"}} > {threshold})'
        )
        annotations = {
            "summary": f"{slo}: error budget burning {alert.factor:g}x too fast",
            "description": (
                f"Over the last {alert.long} (and {alert.short}) the SLI's errors exceed {alert.factor:g} times what "
                f"the SLO of {slo.target_percent:g} % allows."
            ),
        }
        if page_url:
            annotations["runbook_url"] = page_url
        alerts.append(
            {
                "alert": f"SLOBurnRate{alert.long}{alert.short}",
                "expr": expr,
                "for": "2m" if alert.severity == "page" else "15m",
                "labels": {**labels, "severity": alert.severity, "long_window": alert.long},
                "annotations": annotations,
            }
        )
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": f"slo-{name}"[:253],
            "labels": {"app.kubernetes.io/managed-by": "dataops-portal", "role": "alert-rules"},
        },
        "spec": {
            "groups": [
                {"name": f"slo-{name}-sli", "interval": "1m", "rules": recording},
                {"name": f"slo-{name}-alerts", "rules": alerts},
            ]
        },
    }


def export(slo: Slo, page_url: str = "") -> str:
    return yaml.safe_dump(manifest(slo, page_url), sort_keys=False, allow_unicode=True, width=200)
