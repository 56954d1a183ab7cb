"""Compliance, error budget and burn rates from synthetic series, summed by the database."""

from datetime import UTC, datetime, timedelta

import pytest

from catalog.models import FreshnessHeartbeat, SliMeasurement
from catalog.slo import compute
from catalog.slo import services as slo_services

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def product(make_product):
    return make_product(tier=1, output_datasets=[{"name": "finance.daily"}, {"name": "finance.monthly"}])


def _slo(entity, kind, **fields):
    return slo_services.slo_create(actor=None, entity=entity, sli_kind=kind, **fields)


def test_run_counts_give_compliance_budget_and_burn_rates(product):
    slo = _slo(product, "pipeline_success")  # tier 1: 99.5 % over 7 days
    # 7 days of hourly batches of 100 runs; 1 failure an hour = 99 % success, twice the allowed error rate.
    SliMeasurement.objects.bulk_create(
        SliMeasurement(slo=slo, timestamp=NOW - timedelta(hours=h, minutes=1), good=99, total=100) for h in range(168)
    )
    result = compute.evaluate(slo, NOW)
    assert result.samples == 168
    assert result.compliance == pytest.approx(99.0)
    assert result.budget.minutes == 50.4  # 0.5 % of 7 days
    assert result.budget_left_percent == pytest.approx(-100.0)  # spent twice over
    assert result.budget_left_minutes == pytest.approx(-50.4)
    assert result.burn_rates["1h"] == pytest.approx(2.0)
    assert result.burn_rates["3d"] == pytest.approx(2.0)
    assert [a.long for a in result.firing] == ["3d"]  # 2x is a slow burn: a ticket, no page
    assert result.status == "breached"


def test_a_sudden_outage_pages_through_the_fast_burn_alert(product):
    slo = _slo(product, "availability", objective=99.9, sla=99.5)
    points = [
        SliMeasurement(slo=slo, timestamp=NOW - timedelta(minutes=m), good=1000, total=1000) for m in range(1, 2000)
    ]
    for point in points[:30]:  # the last half hour: half the requests fail
        point.good = 500
    SliMeasurement.objects.bulk_create(points)
    result = compute.evaluate(slo, NOW)
    assert result.burn_rates["5m"] == pytest.approx(500.0)
    assert result.burn_rates["1h"] == pytest.approx(250.0, rel=0.02)
    assert {(a.long, a.short) for a in result.firing} == {("1h", "5m"), ("6h", "30m"), ("3d", "6h")}


def test_points_outside_the_window_do_not_count(product):
    slo = _slo(product, "pipeline_success")  # 7-day window
    SliMeasurement.objects.bulk_create(
        [
            SliMeasurement(slo=slo, timestamp=NOW - timedelta(days=8), good=0, total=100),  # before the window
            SliMeasurement(slo=slo, timestamp=NOW - timedelta(days=1), good=1000, total=1000),
        ]
    )
    result = compute.evaluate(slo, NOW)
    assert (result.samples, result.compliance, result.status) == (1, 100.0, "ok")


def test_percent_values_count_as_a_share_of_good_events(product):
    slo = _slo(product, "completeness")  # tier 1: 99.9 %, 0.1 % error allowed
    values = [99.95, 99.97, 99.93, 99.95]  # mean 99.95 %: half the budget used
    SliMeasurement.objects.bulk_create(
        SliMeasurement(slo=slo, timestamp=NOW - timedelta(days=i + 1), value=v) for i, v in enumerate(values)
    )
    result = compute.evaluate(slo, NOW)
    assert result.compliance == pytest.approx(99.95)
    assert result.budget_left_percent == pytest.approx(50.0)
    assert result.budget.words == "43.2 min"  # R8: 99.9 % over 30 days
    assert result.budget_left_minutes == pytest.approx(21.6)
    assert result.status == "ok"


def test_volume_z_scores_are_good_within_the_threshold_either_way(product):
    slo = _slo(product, "volume_anomaly", target=90)  # |z| <= 3, 90 % of the time
    zs = [0.5, -2.9, 3.0, -3.5, 1.0, 4.2, 0.0, 0.1, -0.2, 0.3]  # two out of ten outside
    SliMeasurement.objects.bulk_create(
        SliMeasurement(slo=slo, timestamp=NOW - timedelta(hours=i + 1), value=z) for i, z in enumerate(zs)
    )
    result = compute.evaluate(slo, NOW)
    assert result.compliance == pytest.approx(80.0)
    assert result.budget_left_percent == pytest.approx(-100.0)
    assert result.status == "breached"


def test_freshness_counts_the_time_past_the_objective_between_heartbeats(product):
    slo = _slo(product, "freshness")  # tier 1: <= 2 h, 99 % of a 30-day window: 432 min of budget
    beats = [NOW - timedelta(hours=h) for h in range(1, 24 * 31) if not 10 < h < 15]  # one 5-hour gap
    FreshnessHeartbeat.objects.bulk_create(FreshnessHeartbeat(entity=product, refreshed_at=t) for t in beats)
    result = compute.evaluate(slo, NOW)
    assert result.budget.minutes == 432.0
    assert result.budget_left_minutes == pytest.approx(432 - 180)  # late for 3 hours
    assert result.compliance == pytest.approx(100 * (1 - 180 / (30 * 24 * 60)))
    assert result.burn_rates["3d"] == pytest.approx((180 / (3 * 24 * 60)) / 0.01)
    assert result.burn_rates["1h"] == 0
    assert result.age_seconds == 3600 and result.late_seconds == 0
    assert result.status == "ok"


def test_freshness_late_now_shows_by_how_much_and_breaches_past_the_sla(product):
    slo = _slo(product, "freshness")
    FreshnessHeartbeat.objects.create(entity=product, refreshed_at=NOW - timedelta(hours=4, minutes=10))
    result = compute.evaluate(slo, NOW)
    assert result.late_seconds == 2 * 3600 + 10 * 60  # "late by 2 h 10 min"
    assert result.status == "breached"  # 4 h 10 min is past the 4-hour SLA


def test_a_dataset_freshness_slo_reads_only_that_datasets_heartbeats(product):
    slo = _slo(product, "freshness", dataset="finance.daily")
    FreshnessHeartbeat.objects.create(entity=product, dataset="finance.monthly", refreshed_at=NOW - timedelta(hours=1))
    FreshnessHeartbeat.objects.create(entity=product, dataset="finance.daily", refreshed_at=NOW - timedelta(hours=3))
    assert compute.evaluate(slo, NOW).age_seconds == 3 * 3600


def test_a_calendar_month_window_starts_on_the_first(product):
    slo = _slo(product, "availability", objective=99.9, sla=99.5, window="calendar_month")
    SliMeasurement.objects.bulk_create(
        [
            SliMeasurement(slo=slo, timestamp=datetime(2026, 4, 30, 23, 0, tzinfo=UTC), good=0, total=10),
            SliMeasurement(slo=slo, timestamp=datetime(2026, 5, 2, 0, 0, tzinfo=UTC), good=10, total=10),
        ]
    )
    result = compute.evaluate(slo, NOW)
    assert (result.samples, result.compliance) == (1, 100.0)
    assert result.budget.period_days == 31  # May


def test_an_slo_without_data_says_so(product):
    assert compute.evaluate(_slo(product, "pipeline_success"), NOW).status == "no_data"
    assert compute.evaluate(_slo(product, "freshness"), NOW).status == "no_data"


def test_evaluating_takes_a_fixed_number_of_queries_whatever_the_number_of_points(product, django_assert_num_queries):
    slo = _slo(product, "pipeline_success")
    SliMeasurement.objects.bulk_create(
        SliMeasurement(slo=slo, timestamp=NOW - timedelta(minutes=m), good=9, total=10) for m in range(1, 3000)
    )
    fresh = _slo(product, "freshness")
    with django_assert_num_queries(2):  # the window's sums, the alert windows' sums
        compute.evaluate(slo, NOW)
    with django_assert_num_queries(1):
        compute.evaluate(fresh, NOW)
