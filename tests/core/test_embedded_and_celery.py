"""The runtime pieces: a real Celery worker over the real Redis broker, and the embedded services' life cycle."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache

from core import embedded
from core.tasks import heartbeat
from futcrm.celery import app


@pytest.mark.celery_worker
def test_a_real_worker_runs_a_task_through_redis():

    cache.delete("futcrm:heartbeat")
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        stamp = heartbeat.delay().get(timeout=30)
    assert cache.get("futcrm:heartbeat") == stamp
    assert app.conf.broker_url.startswith("redis://")


def test_beat_schedule_is_declared_in_code():
    assert app.conf.beat_schedule["heartbeat"]["task"] == "core.tasks.heartbeat"
    nightly = app.conf.beat_schedule["tiers-nightly"]
    assert nightly["task"] == "tiering.tasks.recalculate_tiers_nightly"
    assert (nightly["schedule"].hour, nightly["schedule"].minute) == ({2}, {0})
    assert app.conf.timezone == "Asia/Shanghai"


def test_embedded_redis_is_shared_and_stops_with_its_last_process(tmp_path):
    """Two processes join one embedded Redis; it keeps running while either lives and stops after the last."""
    script = (
        "import sys, time; from pathlib import Path; from core import embedded; "
        "print(embedded.redis_url(Path(sys.argv[1])), flush=True); time.sleep(float(sys.argv[2]))"
    )
    first = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), "3"], stdout=subprocess.PIPE, text=True,
                             cwd=settings.BASE_DIR)
    url_first = first.stdout.readline().strip()
    second = subprocess.run([sys.executable, "-c", script, str(tmp_path), "0"], capture_output=True, text=True,
                            cwd=settings.BASE_DIR, timeout=30)
    assert second.stdout.strip() == url_first  # joined, not a second server
    port = int(url_first.rsplit(":", 1)[1].split("/")[0])
    assert embedded._EmbeddedRedis(tmp_path / "redis")._ping(port)  # still up: the first process lives
    first.wait(timeout=30)
    assert not embedded._EmbeddedRedis(tmp_path / "redis")._ping(port)  # stopped with the last process


@pytest.mark.skipif("DATABASE_URL" in os.environ, reason="uses the embedded PostgreSQL only when no URL is set")
def test_embedded_postgres_starts_in_a_fresh_data_folder_and_stops(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(FUTCRM_DATA_DIR=str(tmp_path), FUTCRM_ENV="development")
    show = ("from django.db import connection; cursor = connection.cursor(); cursor.execute('SHOW shared_buffers');"
            " print(cursor.fetchone()[0])")
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--plan"], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "clients.0001_initial" in result.stdout
    # core/postgresql.conf is in force from the first start, initdb included
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", show], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.stdout.strip().splitlines()[-1] == _settings_file()["shared_buffers"], result.stderr
    assert (Path(tmp_path) / "postgres" / "PG_VERSION").exists()
    assert not (Path(tmp_path) / "postgres" / "postmaster.pid").exists()  # stopped when the process exited
    assert not (Path(tmp_path) / "redis" / "state.json").exists()


def _settings_file() -> dict[str, str]:
    lines = (Path(settings.BASE_DIR) / "core" / "postgresql.conf").read_text().splitlines()
    return dict(line.split(" = ") for line in lines if line and not line.startswith("#"))


def test_docker_compose_gives_its_postgres_the_settings_of_the_embedded_one():

    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    command = compose["services"]["postgres"]["command"]
    flags = dict(value.split("=") for value in command[2::2])
    assert command[0] == "postgres" and set(command[1::2]) == {"-c"}
    assert flags == _settings_file()
