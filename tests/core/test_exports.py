"""core/exports.py (STYLE.md 20): exports are data, never code."""

import pytest
from django.urls import reverse

from clients.roles import Role
from core.exports import csv_cell
from core.models import ExportLog


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-5", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_a_text_a_spreadsheet_would_run_is_quoted(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["a=1", " =1", "钱居间", "", -5, 3.5])
def test_anything_else_is_written_as_it_is(value):
    assert csv_cell(value) == value


@pytest.mark.django_db
def test_every_export_is_logged_for_head_office(world, login):
    """PIPL (issue 35): who exported what, with which filter, how many rows, when; head office reads it."""
    manager = world["staff"][Role.BRANCH_MANAGER]
    response = login(manager).get(reverse("tier-dashboard-export", args=["csv"]), {"month": "2026-10"})
    assert response.status_code == 200
    entry = ExportLog.objects.get()
    assert (entry.user, entry.what, entry.filters, entry.format) == (manager.user, "tiers-2026-10", "month=2026-10",
                                                                    "csv")
    assert entry.rows > 0
    own = world["clients"]["own"]
    login(world["staff"][Role.ADVISOR]).get(reverse("admin:clients_client_statements_export", args=[own.pk]))
    assert ExportLog.objects.filter(what=f"statements-{own.account_no}").exists()
    listing = reverse("admin:core_exportlog_changelist")
    assert login(world["staff"][Role.HEAD_OFFICE]).get(listing).status_code == 200
    assert login(manager).get(listing).status_code == 403
