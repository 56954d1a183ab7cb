"""A REAL Apache Superset for the embed-token tests, from ../shared/tools/superset/start-superset.sh.

The lab directory stays outside the clone (SUPERSET_LAB_DIR, default superset-env beside the clone, or beside the
repository it was cloned from) so the 800 MB virtual environment is installed once and reused; from scratch the
script installs it (about 70 s). A server this fixture started is stopped by the PID the script recorded; one that
was already running is left as it was.
"""

import base64
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import beside_the_clone, free_port

# The shared tools sit beside the clone (as in CI) or the repository it was cloned from; SHARED_DIR points
# elsewhere when they do not.
SCRIPT = Path(os.environ.get("SHARED_DIR", beside_the_clone("shared"))) / "tools" / "superset" / "start-superset.sh"


@dataclass(frozen=True)
class Superset:
    url: str
    username: str
    password: str
    embedded_uuid: str
    dashboard_id: str
    lab_dir: Path

    def env(self, **overrides) -> dict:
        """Settings for a worker process."""
        return {
            "SUPERSET_URL": self.url,
            "SUPERSET_USERNAME": self.username,
            "SUPERSET_PASSWORD": self.password,
            **overrides,
        }


def _lab_env(lab_dir: Path) -> dict:
    pairs = (line.split("=", 1) for line in (lab_dir / "lab.env").read_text().splitlines() if "=" in line)
    return dict(pairs)


def _running(lab_dir: Path) -> bool:
    pid_file = lab_dir / "superset.pid"
    if not pid_file.exists() or not (lab_dir / "lab.env").exists():
        return False
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True


def decode_jwt(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture(scope="session")
def superset() -> Superset:
    lab_dir = Path(os.environ.get("SUPERSET_LAB_DIR", beside_the_clone("superset-env"))).resolve()
    started_here = not _running(lab_dir)
    if started_here:
        assert SCRIPT.exists(), f"the Superset tests need {SCRIPT} (shared/ beside the clone, or set SHARED_DIR)"
        port = free_port()
        subprocess.run(["bash", str(SCRIPT), str(lab_dir), str(port)], check=True, stdout=subprocess.PIPE, timeout=900)
    env = _lab_env(lab_dir)
    yield Superset(
        url=env["SUPERSET_URL"],
        username=env["SUPERSET_ADMIN_USER"],
        password=env["SUPERSET_ADMIN_PASSWORD"],
        embedded_uuid=env["EMBEDDED_UUID"],
        dashboard_id=env["DASHBOARD_ID"],
        lab_dir=lab_dir,
    )
    if started_here:
        subprocess.run(["bash", str(SCRIPT), "--stop", str(lab_dir)], check=True, timeout=60)
