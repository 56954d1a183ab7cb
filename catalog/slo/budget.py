"""The calculators: error budgets (R8), burn rates and multi-window multi-burn-rate alerts, the status.

Pure functions of numbers; catalog.slo.compute feeds them with what the database summed.
"""

from dataclasses import dataclass
from datetime import timedelta

from catalog.slo.choices import SloStatus

MINUTES_PER_DAY = 24 * 60
AT_RISK_BUDGET_PERCENT = 25.0  # less than a quarter of the budget left: at risk even without a firing alert


@dataclass(frozen=True)
class ErrorBudget:
    """(100 - SLO %) of the window, as the playbook's calculate_error_budget gives it."""

    slo_percent: float
    period_days: float
    percent: float
    minutes: float
    hours: float

    @property
    def words(self) -> str:
        return minutes_words(self.minutes)


def error_budget(slo_percent: float, period_days: float = 30) -> ErrorBudget:
    """R8: 99.5 % over 30 days = 216 min = 3.6 h; 99.9 % = 43.2 min = 0.72 h."""
    budget_percent = 100 - slo_percent
    minutes = period_days * MINUTES_PER_DAY * budget_percent / 100
    return ErrorBudget(
        slo_percent=slo_percent,
        period_days=period_days,
        percent=round(budget_percent, 3),
        minutes=round(minutes, 1),
        hours=round(minutes / 60, 2),
    )


def minutes_words(minutes: float | None) -> str:
    """'3.6 h' from 60 minutes on, '43.2 min' below; negative budgets read as 'overspent by ...'."""
    if minutes is None:
        return "—"
    if minutes < 0:
        return f"overspent by {minutes_words(-minutes)}"
    if minutes >= 60:
        return f"{round(minutes / 60, 2):g} h"
    return f"{round(minutes, 1):g} min"


@dataclass(frozen=True)
class BurnAlert:
    """Fires when the burn rate over both the long and the short window exceeds `factor` (Google SRE workbook)."""

    severity: str
    long: str
    short: str
    factor: float


# The alert windows, and the three alerts of multi-window multi-burn-rate alerting.
ALERT_WINDOWS = {
    "5m": timedelta(minutes=5),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "3d": timedelta(days=3),
}
BURN_ALERTS = (
    BurnAlert("page", "1h", "5m", 14.4),  # 2 % of a 30-day budget in an hour
    BurnAlert("page", "6h", "30m", 6.0),  # 5 % in six hours
    BurnAlert("ticket", "3d", "6h", 1.0),  # 10 % in three days
)


def burn_rate(error_ratio: float | None, target_percent: float) -> float | None:
    """How many times faster than allowed the budget burns: 1.0 spends exactly the budget over the window."""
    if error_ratio is None:
        return None
    allowed = 1 - target_percent / 100
    if allowed <= 0:
        return None
    return error_ratio / allowed


def firing_alerts(rates: dict[str, float | None]) -> list[BurnAlert]:
    return [
        alert
        for alert in BURN_ALERTS
        if (rates.get(alert.long) or 0) > alert.factor and (rates.get(alert.short) or 0) > alert.factor
    ]


def budget_left_percent(error_ratio: float | None, target_percent: float) -> float | None:
    """100 with no error, 0 when the whole budget is spent, negative when overspent."""
    rate = burn_rate(error_ratio, target_percent)
    return None if rate is None else 100 * (1 - rate)


def status_of(*, has_data: bool, budget_left: float | None, firing: list[BurnAlert], sla_breached: bool) -> str:
    if not has_data or budget_left is None:
        return SloStatus.NO_DATA
    if budget_left <= 0 or sla_breached:
        return SloStatus.BREACHED
    if firing or budget_left < AT_RISK_BUDGET_PERCENT:
        return SloStatus.AT_RISK
    return SloStatus.OK
