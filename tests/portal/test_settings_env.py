import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_float, env_int, env_list, env_secret


def test_tests_run_on_postgresql():
    from django.db import connection

    assert settings.DATABASES["default"]["ENGINE"] == "portal.database"  # Django's PostgreSQL backend, subclassed
    assert connection.vendor == "postgresql"


def test_env_bool_rejects_a_value_that_is_not_a_boolean(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be a boolean"):
        env_bool("DEBUG")


def test_env_int_names_the_variable_it_cannot_read(monkeypatch):
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "ten")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_CONN_MAX_AGE must be an integer"):
        env_int("DATABASE_CONN_MAX_AGE", 60)


def test_env_float_reads_a_number_and_names_the_variable_it_cannot_read(monkeypatch):
    monkeypatch.setenv("DATABASE_RANDOM_PAGE_COST", "1.5")
    assert env_float("DATABASE_RANDOM_PAGE_COST", 1.1) == 1.5
    monkeypatch.setenv("DATABASE_RANDOM_PAGE_COST", "cheap")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_RANDOM_PAGE_COST must be a number"):
        env_float("DATABASE_RANDOM_PAGE_COST", 1.1)


@pytest.mark.django_db
def test_the_portal_s_postgresql_sessions_price_index_probes_for_ssds():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "portal.example.com, ,localhost")
    assert env_list("ALLOWED_HOSTS", []) == ["portal.example.com", "localhost"]


def test_env_secret_reads_the_file_named_by_the_file_variable(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert env_secret("SECRET_KEY") == "from-a-file"
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FILE"):
        env_secret("SECRET_KEY")
