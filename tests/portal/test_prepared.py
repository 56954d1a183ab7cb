"""The API's hot reads run as server-side prepared statements on PostgreSQL (portal/prepared.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.api import documents, read_model
from catalog.models import ContractField, Service
from portal import prepared
from tests.catalog.factories import ServiceFactory


def _plans_of(*fragments: str) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of this connection's prepared statements whose SQL holds all `fragments`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return [(generic, custom) for sql, generic, custom in cursor.fetchall() if all(f in sql for f in fragments)]


@pytest.fixture
def airflow(db):
    return ServiceFactory(name="airflow")


def test_a_detail_read_is_prepared_once_and_then_reuses_its_plan(airflow):
    for _ in range(10):
        slug, body = documents.read_by_slug(Service, "airflow")
    assert slug == "airflow" and '"owners":' in body
    [(generic, custom)] = _plans_of('"catalog_entitydocument"', '"catalog_entity"."slug" IN ($')
    # PostgreSQL plans the first five runs for their values, then keeps one generic plan: no planning per request.
    assert custom <= 5 and generic >= 1


def test_a_page_comes_back_in_the_order_of_its_ids(airflow):
    other = ServiceFactory(name="trino")
    read_model.rows_in_order(Service, [airflow.pk, other.pk])
    read_model.rows_in_order(Service, [other.pk, airflow.pk])
    rows = read_model.rows_in_order(Service, [other.pk, airflow.pk])
    assert [row.slug for row in rows] == ["trino", "airflow"]


def test_ids_are_bound_as_bigint_whatever_their_size():
    # psycopg would send 7 as int2 and 70,000 as int4: a prepared statement per mix of sizes in a page.
    compiled = prepared.Compiled("SELECT %s, %s", ("probe", "probe"), (0, 1))
    assert [type(value).__name__ for value in compiled.bind([7, 70_000], connection)] == ["Int8", "Int8"]


def test_with_prepared_statements_off_the_same_read_runs_as_a_plain_query(airflow, monkeypatch):
    documents.read_by_slug(Service, "airflow")  # its document built and stored
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", None)
    with CaptureQueriesContext(connection) as queries:
        slug, _body = documents.read_by_slug(Service, "airflow")
    assert slug == "airflow"
    assert len(queries) == 1


def test_prepared_queries_are_counted_and_logged_with_their_sql(airflow):
    documents.read_by_slug(Service, "airflow")
    with CaptureQueriesContext(connection) as queries:
        documents.read_by_slug(Service, "airflow")
    [query] = queries.captured_queries
    assert query["sql"].startswith("SELECT") and '"catalog_entitydocument"' in query["sql"]
    assert "'airflow'" in query["sql"]  # with its value, as Django logs client-bound queries


RULES = "quality_rules"  # a JSONField


def test_a_values_list_with_a_json_column_is_refused_as_its_values_would_come_unconverted(db):
    with pytest.raises(ValueError, match="needs Django's converters"):
        prepared.values_list(lambda names: ContractField.objects.filter(name__in=names).values_list(RULES), ["x"])


def test_an_instance_by_slug_is_the_orms_row_or_none(db):
    from catalog import services
    from catalog.models import Team

    team = services.team_create(actor=None, name="Data Platform", email="dp@example.com")
    found = prepared.instance_by(Team, "slug", "data-platform")
    assert (found.pk, found.name, found.email) == (team.pk, "Data Platform", "dp@example.com")
    assert not found._state.adding  # as loaded by the ORM: saving it updates the row
    assert prepared.instance_by(Team, "slug", "nobody") is None


@pytest.mark.django_db(transaction=True)  # outside a transaction, as the API reads
def test_a_prepared_statement_the_server_lost_is_run_again_on_a_new_connection():
    ServiceFactory(name="airflow")
    for _ in range(3):
        documents.read_by_slug(Service, "airflow")  # prepared from the second run
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    # What a pooler that lost the server's session does: the statements are gone, and psycopg does not know.
    connection.connection.pgconn.exec_(b"DEALLOCATE ALL")
    assert documents.read_by_slug(Service, "airflow")[0] == "airflow"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid  # the connection with the stale statements was closed


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a view or a task calls a service
def test_a_service_call_that_lost_a_prepared_statement_runs_again_on_a_new_connection():
    from django.db import transaction

    from catalog.models import Team

    attempts = []

    @prepared.statements_prepared
    @transaction.atomic
    def add_team(n: int) -> Team:
        attempts.append(n)
        return Team.objects.create(name=f"Team {n}", slug=f"team-{n}")

    for n in range(3):
        add_team(n)  # its INSERT is prepared from the second call
    assert _plans_of('INSERT INTO "catalog_team"')
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    connection.connection.pgconn.exec_(b"DEALLOCATE ALL")
    assert add_team(3).slug == "team-3"
    assert attempts == [0, 1, 2, 3, 3]  # the first try failed on the lost statement and left nothing behind
    assert Team.objects.filter(slug="team-3").count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_an_ordered_values_list_keeps_the_querysets_order_and_binds_instants(db):
    from datetime import UTC, datetime

    from catalog.models import Entity

    for name in ("zeta", "alpha", "mid"):
        ServiceFactory(name=name)

    def created_before(values):
        return Entity.objects.filter(created__lt=values[0]).order_by("-name").values_list("name")

    later = datetime(2999, 1, 1, tzinfo=UTC)
    for _ in range(3):  # prepared from the second run on PostgreSQL
        assert prepared.values_list(created_before, [later], ordered=True) == [("zeta",), ("mid",), ("alpha",)]
    assert prepared.values_list(created_before, [datetime(2000, 1, 1, tzinfo=UTC)], ordered=True) == []


def test_a_value_of_a_type_with_no_probe_is_refused_by_name(db):
    from catalog.models import Team

    with pytest.raises(TypeError, match="no probe for values of type bool"):
        prepared.values_list(lambda values: Team.objects.filter(pk__in=values).values_list("name"), [True])


def test_a_choice_binds_as_its_text_and_a_naive_instant_is_refused(db):
    from datetime import datetime

    from catalog.choices import EntityKind
    from catalog.models import Entity

    ServiceFactory(name="airflow", kind=EntityKind.PIPELINE)
    ServiceFactory(name="trino", kind=EntityKind.API)

    def of_kind(values):
        return Entity.objects.filter(kind__in=values).values_list("name")

    for _ in range(3):
        assert prepared.values_list(of_kind, [EntityKind.PIPELINE]) == [("airflow",)]
    with pytest.raises(ValueError, match=r"a naive datetime \(2026-03-05 08:00:00\) cannot be bound"):
        prepared.values_list(
            lambda values: Entity.objects.filter(created__lt=values[0]).values_list("name"), [datetime(2026, 3, 5, 8)]
        )
