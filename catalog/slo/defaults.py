"""R7: the playbook's SLO tiers, the defaults offered when an SLO is created for an entity of that tier."""

from catalog.slo.choices import SliKind, SloWindow

# Freshness targets (how often the freshness threshold must hold) come from the role blueprint's KPI
# "SLO compliance: freshness, tier 1 >= 99 %, tier 2 >= 97 %"; tier 3 is best effort.
TIER_DEFAULTS: dict[int, dict[str, dict]] = {
    1: {
        SliKind.FRESHNESS: {"objective": 2, "sla": 4, "target": 99.0, "window": SloWindow.ROLLING_30D},
        SliKind.COMPLETENESS: {"objective": 99.9, "sla": 99.5, "window": SloWindow.ROLLING_30D},
        SliKind.VOLUME_ANOMALY: {"objective": 3, "sla": 4, "target": 99.0, "window": SloWindow.ROLLING_30D},
        # The playbook: SLO > 99.5 % over 7 days rolling, SLA > 99.0 % over 30 days rolling.
        SliKind.PIPELINE_SUCCESS: {"objective": 99.5, "sla": 99.0, "window": SloWindow.ROLLING_7D},
    },
    2: {
        SliKind.FRESHNESS: {"objective": 8, "sla": 12, "target": 97.0, "window": SloWindow.ROLLING_30D},
        SliKind.PIPELINE_SUCCESS: {"objective": 99.0, "sla": 98.0, "window": SloWindow.ROLLING_30D},
    },
    3: {
        SliKind.FRESHNESS: {"objective": 24, "sla": 48, "target": 95.0, "window": SloWindow.ROLLING_30D},
    },
}

# Per-tier KPI targets of the role blueprint, shown next to the measured compliance on the dashboard.
KPI_TARGETS = {
    SliKind.FRESHNESS: {1: 99.0, 2: 97.0},
    SliKind.PIPELINE_SUCCESS: {1: 99.5},
}


def tier_defaults(tier: int, sli_kind: str) -> dict:
    """The playbook's objective, SLA, target and window for this tier and SLI kind ({} when it has none)."""
    return dict(TIER_DEFAULTS.get(tier, {}).get(sli_kind, {}))


def kinds_with_defaults(tier: int) -> list[str]:
    return list(TIER_DEFAULTS.get(tier, {}))
