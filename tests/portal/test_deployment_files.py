"""docker-compose.yml and the Dockerfile describe the production shape with the settings' own names."""

import re

import yaml

from tests.conftest import ROOT


def test_compose_has_the_production_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"postgres", "redis", "web", "worker", "beat"}
    assert "gunicorn portal.wsgi" in " ".join(compose["services"]["web"]["command"])
    assert compose["services"]["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    assert compose["services"]["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]


def test_every_variable_compose_sets_is_one_the_settings_read():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    settings_source = (ROOT / "portal" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list|secret)\("([A-Z_]+)"', settings_source))
    for service in ("web", "worker", "beat"):
        names = set(compose["services"][service]["environment"])
        assert names <= read, f"{service} sets variables no setting reads: {sorted(names - read)}"


def test_the_dockerfile_installs_the_lock_file_and_serves_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    assert "pip install --no-cache-dir -r requirements.lock" in dockerfile
    assert 'CMD ["gunicorn", "portal.wsgi"' in dockerfile
