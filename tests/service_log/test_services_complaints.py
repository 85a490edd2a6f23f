"""S7 complaints: deadlines, the workflow, late escalation, scope, the analysis page and the workbench."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from core.errors import DomainError
from service_log import services
from service_log.models import Complaint, Notification
from service_log.selectors import workbench


def register(world, name="own", role=Role.SERVICE_STAFF, **extra):
    return services.complaint_register(user=world["staff"][role].user, client_id=world["clients"][name].pk,
                                       channel="phone", category="fees", description="charged twice", **extra)


def test_deadlines_follow_receipt(world):
    received = timezone.now() - datetime.timedelta(hours=2)
    complaint = register(world, received_at=received)
    assert complaint.acknowledge_by == received + datetime.timedelta(hours=24)
    assert complaint.resolve_by == received + datetime.timedelta(days=15)
    assert complaint.handled_by == world["staff"][Role.SERVICE_STAFF]


def test_workflow_and_its_rules(world):
    complaint = register(world)
    user = world["staff"][Role.SERVICE_STAFF].user
    with pytest.raises(DomainError, match="Acknowledge"):
        services.complaint_resolve(user=user, complaint_id=complaint.pk, root_cause="x", resolution="y")
    services.complaint_acknowledge(user=user, complaint_id=complaint.pk)
    with pytest.raises(DomainError, match="root cause"):
        services.complaint_resolve(user=user, complaint_id=complaint.pk, root_cause=" ", resolution="refunded")
    with pytest.raises(DomainError, match="fen"):
        services.complaint_resolve(user=user, complaint_id=complaint.pk, root_cause="fee table", resolution="r",
                                   compensation="12.345")
    services.complaint_resolve(user=user, complaint_id=complaint.pk, root_cause="fee table out of date",
                               resolution="refunded the difference", compensation="120.50")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.compensation) == ("resolved", Decimal("120.50"))


def test_another_branch_cannot_touch_it(world):
    complaint = register(world, name="other_branch", role=Role.HEAD_OFFICE)
    with pytest.raises(PermissionDenied):
        services.complaint_acknowledge(user=world["staff"][Role.SERVICE_STAFF].user, complaint_id=complaint.pk)
    with pytest.raises(PermissionDenied):
        register(world, name="other_branch")
    assert Complaint.objects.get(pk=complaint.pk).status == "received"


def test_late_complaints_escalate_to_the_branch_manager_once(world):
    register(world, received_at=timezone.now() - datetime.timedelta(hours=25))  # not acknowledged in 24 h
    register(world, name="colleague")  # in time
    assert services.complaints_escalate_late() == 1
    assert services.complaints_escalate_late() == 0
    assert Notification.objects.filter(recipient=world["staff"][Role.BRANCH_MANAGER].user).count() == 1


def test_workbench_and_analysis(world, login):
    late = register(world, received_at=timezone.now() - datetime.timedelta(hours=23))  # due within the day
    register(world, name="other_branch", role=Role.HEAD_OFFICE)
    assert workbench(world["staff"][Role.SERVICE_STAFF].user)["complaints"].all_items() == [late]
    user = world["staff"][Role.SERVICE_STAFF].user
    services.complaint_acknowledge(user=user, complaint_id=late.pk)
    services.complaint_resolve(user=user, complaint_id=late.pk, root_cause="fee table", resolution="refund",
                               compensation="10.00")
    page = login(world["staff"][Role.BRANCH_MANAGER]).get(reverse("complaint-analysis"))
    analysis = page.context["analysis"]
    assert analysis["total"] == 1  # not the other branch's complaint
    assert [(row["root_cause"], row["count"], row["compensation"]) for row in analysis["by_cause"]] == [
        ("fee table", 1, Decimal("10.00"))]
    head_office = login(world["staff"][Role.HEAD_OFFICE]).get(reverse("complaint-analysis"))
    assert head_office.context["analysis"]["total"] == 2


def test_a_deadline_reads_the_same_on_the_list_the_page_and_the_workbench(world, login):
    """Issue 36: deadlines read "23:59" on one page and "00:00" the next day on another; a deadline at local midnight
    is the end of the day before, wherever it is shown."""
    complaint = register(world)
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=1),
                                                             datetime.time()))
    Complaint.objects.filter(pk=complaint.pk).update(acknowledge_by=midnight, resolve_by=midnight)
    shown = f"{timezone.localdate():%Y-%m-%d} 23:59"
    browser = login(world["staff"][Role.SERVICE_STAFF])
    for url in (reverse("admin:service_log_complaint_changelist"),
                reverse("admin:service_log_complaint_change", args=[complaint.pk]), reverse("workbench")):
        text = browser.get(url).content.decode()
        assert shown in text and f"{midnight:%Y-%m-%d} 00:00" not in text, url
