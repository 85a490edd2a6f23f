"""Benchmarks are code too (STYLE.md 15, issue 12 item 6): each bench/*.py runs at its --smoke size here, on the
suite's PostgreSQL and Redis, so an import or schema change that breaks one fails CI. No figure is asserted: the
figures are read from full runs (README)."""

import os
import subprocess
import sys

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from core.env import database_url

SMOKE_DATABASE = "futcrm_bench_smoke"


@pytest.fixture(scope="module")
def bench_env(django_db_blocker):
    """The benchmarks' own database on the suite's server (they create their per-size databases beside it)."""
    with django_db_blocker.unblock():
        params = connection.get_connection_params()
    admin = psycopg2.connect(**{**params, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{SMOKE_DATABASE}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{SMOKE_DATABASE}"')
    admin.close()
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    environment.update(
        FUTCRM_ENV="development", DATABASE_URL=database_url({**connection.settings_dict, "NAME": SMOKE_DATABASE}),
        REDIS_URL=settings.REDIS_URL, DJANGO_LOG_LEVEL="WARNING",
    )
    return environment


def run_bench(name: str, env: dict) -> str:
    result = subprocess.run([sys.executable, f"bench/{name}.py", "--smoke"], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result.stdout


def test_the_ingest_benchmark_runs_and_then_the_risk_benchmark_on_its_day(bench_env):
    ingest = run_bench("statements_ingest", bench_env)
    assert "statements ingest, 2,000 rows" in ingest and "ratio to COPY" in ingest
    risk = run_bench("risk_evaluation", bench_env)
    assert "risk evaluation of 2,000 statements" in risk and "ratio" in risk


def test_the_tier_benchmark_runs(bench_env):
    output = run_bench("tiers", bench_env)
    assert "300 clients" in output and "dashboard at 300 clients" in output


def test_the_service_benchmark_runs(bench_env):
    output = run_bench("service", bench_env)
    assert "1,000 clients" in output and "workbench, an advisor" in output


def test_the_pages_benchmark_runs(bench_env):
    output = run_bench("pages", bench_env)
    assert "1,000 clients: database built" in output and "tier dashboard" in output and "ratio to baseline" in output


def test_the_cards_benchmark_runs(bench_env):
    output = run_bench("cards", bench_env)
    assert "1,000 clients" in output and "ratio to the hand-written query" in output
    assert "the same cards both ways: True" in output


def test_the_service_desk_benchmark_runs(bench_env):
    output = run_bench("service_desk", bench_env)
    assert "4,000 tickets over a year" in output and "KPI dashboard" in output and "SLA sweep, nothing due" in output
    assert "hand-written" in output and "ratio to baseline" in output


def test_the_research_benchmark_runs(bench_env):
    output = run_bench("research", bench_env)
    assert "audience and delivery rows" in output and "hand-written INSERT … SELECT" in output
    assert "the same rows: True" in output and "gateway requests in batches of 500" in output
    assert "S4 coverage report" in output and "ratio to baseline" in output


def test_the_acquisition_benchmark_runs(bench_env):
    output = run_bench("acquisition", bench_env)
    assert "2,000 clients, 600 prospects: database built" in output and "the same prospects: True" in output
    assert "S27 funnel dashboard" in output and "S34 referrer report" in output and "hand-written" in output


def test_the_intraday_benchmark_runs(bench_env):
    output = run_bench("intraday", bench_env)
    assert "intraday snapshots, 500 accounts, 1,500 positions" in output
    assert "ratio" in output and "desk JSON, a branch manager" in output
