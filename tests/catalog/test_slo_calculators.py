"""The SLO calculators with known values: error budgets (R8), burn rates, alerts, status, tier defaults (R7), R8."""

import pytest

from catalog.slo import budget, rules
from catalog.slo.defaults import tier_defaults


@pytest.mark.parametrize(
    ("slo", "days", "minutes", "hours", "words"),
    [
        (99.5, 30, 216.0, 3.6, "3.6 h"),  # R8, the playbook's example
        (99.9, 30, 43.2, 0.72, "43.2 min"),  # R8
        (99.0, 7, 100.8, 1.68, "1.68 h"),
        (99.5, 7, 50.4, 0.84, "50.4 min"),
    ],
)
def test_the_error_budget_is_the_slos_complement_of_the_window(slo, days, minutes, hours, words):
    result = budget.error_budget(slo, days)
    assert (result.minutes, result.hours, result.words) == (minutes, hours, words)
    assert result.percent == round(100 - slo, 3)


def test_an_overspent_budget_reads_as_overspent():
    assert budget.minutes_words(-90) == "overspent by 1.5 h"
    assert budget.minutes_words(None) == "—"


def test_burn_rate_is_the_error_ratio_over_the_allowed_one():
    assert budget.burn_rate(0.005, 99.5) == pytest.approx(1.0)
    assert budget.burn_rate(0.072, 99.5) == pytest.approx(14.4)
    assert budget.burn_rate(None, 99.5) is None
    assert budget.budget_left_percent(0.0025, 99.5) == pytest.approx(50.0)
    assert budget.budget_left_percent(0.01, 99.5) == pytest.approx(-100.0)


def test_an_alert_fires_only_when_both_its_windows_burn_too_fast():
    fast_and_sustained = {"1h": 15.0, "5m": 20.0, "6h": 2.0, "30m": 3.0, "3d": 0.5}
    assert [a.long for a in budget.firing_alerts(fast_and_sustained)] == ["1h"]
    already_recovered = {"1h": 15.0, "5m": 0.0}
    assert budget.firing_alerts(already_recovered) == []
    slow_burn = {"3d": 1.2, "6h": 1.5, "1h": 0.9, "5m": 0.0}
    assert [(a.severity, a.long, a.short) for a in budget.firing_alerts(slow_burn)] == [("ticket", "3d", "6h")]


def test_status_follows_the_budget_the_alerts_and_the_sla():
    ticket = budget.BURN_ALERTS[2]
    assert budget.status_of(has_data=False, budget_left=None, firing=[], sla_breached=False) == "no_data"
    assert budget.status_of(has_data=True, budget_left=80, firing=[], sla_breached=False) == "ok"
    assert budget.status_of(has_data=True, budget_left=20, firing=[], sla_breached=False) == "at_risk"
    assert budget.status_of(has_data=True, budget_left=80, firing=[ticket], sla_breached=False) == "at_risk"
    assert budget.status_of(has_data=True, budget_left=0, firing=[], sla_breached=False) == "breached"
    assert budget.status_of(has_data=True, budget_left=90, firing=[], sla_breached=True) == "breached"


def test_r7_tier_defaults_are_the_playbooks():
    assert tier_defaults(1, "freshness") == {"objective": 2, "sla": 4, "target": 99.0, "window": "rolling_30d"}
    assert tier_defaults(1, "completeness") == {"objective": 99.9, "sla": 99.5, "window": "rolling_30d"}
    assert tier_defaults(1, "volume_anomaly") == {"objective": 3, "sla": 4, "target": 99.0, "window": "rolling_30d"}
    assert tier_defaults(1, "pipeline_success") == {"objective": 99.5, "sla": 99.0, "window": "rolling_7d"}
    assert tier_defaults(2, "freshness")["objective"] == 8 and tier_defaults(2, "freshness")["sla"] == 12
    assert tier_defaults(2, "pipeline_success") == {"objective": 99.0, "sla": 98.0, "window": "rolling_30d"}
    assert tier_defaults(3, "freshness")["objective"] == 24 and tier_defaults(3, "freshness")["sla"] == 48
    assert tier_defaults(3, "completeness") == {}


def test_r8_a_ratio_slo_looser_than_its_sla_is_refused_with_both_numbers():
    problems = rules.objective_problems(sli_kind="completeness", objective=99.0, sla=99.5, target=None)
    assert "must be stricter than the SLA" in problems["objective"]
    assert "99 %" in problems["objective"] and "99.5 %" in problems["objective"]
    assert rules.objective_problems(sli_kind="completeness", objective=99.5, sla=99.5, target=None)


def test_r8_a_threshold_slo_must_be_lower_than_its_sla():
    problems = rules.objective_problems(sli_kind="freshness", objective=6, sla=4, target=99)
    assert problems["objective"].startswith("The SLO (< 6 h) must be stricter than the SLA (< 4 h)")
    assert rules.objective_problems(sli_kind="freshness", objective=2, sla=4, target=99) == {}


def test_numbers_out_of_range_name_their_field():
    assert set(rules.objective_problems(sli_kind="availability", objective=120, sla=99, target=None)) == {"objective"}
    assert set(rules.objective_problems(sli_kind="latency", objective=200, sla=500, target=None)) == {"target"}
    assert set(rules.objective_problems(sli_kind="latency", objective=200, sla=500, target=100)) == {"target"}
    assert rules.objective_problems(sli_kind="availability", objective=float("nan"), sla=99, target=None) == {
        "objective": "Give a finite number."
    }
