"""The service staff's tickets on the workbench (issue 36): their queue is their main work. A panel the service
desk adds to service_log's workbench (service_log.views.WORKBENCH_PANELS, from ServiceDeskConfig.ready): the
unfinished tickets the user owns and those of their teams nobody has taken yet, the nearest SLA deadline first (S12:
the first response while none was given, then the resolution), breached ones marked."""

from django.db.models import Case, F, Q, When
from django.utils import timezone

from clients.roles import Role
from clients.scoping import staff_profile_of
from service_desk.models import Ticket

SHOWN = 8


def tickets_panel(request) -> dict | None:
    user = request.user
    if not user.has_perm("service_desk.view_ticket"):
        return None
    profile = staff_profile_of(user)
    queue = Ticket.objects.visible_to(user).unfinished().filter(
        Q(owner__user=user) | Q(owner__isnull=True, team__members=profile) if profile else Q(owner__user=user))
    queue = queue.annotate(next_due=Case(When(first_response_at__isnull=True, then=F("first_response_due")),
                                         default=F("resolution_due"))).distinct()
    if profile is None or profile.role != Role.SERVICE_STAFF and not queue.exists():
        return None  # an advisor with no ticket of theirs is not shown an empty queue
    now = timezone.now()
    tickets = list(queue.select_related("client", "category").order_by(F("next_due").asc(nulls_last=True), "pk")
                   [:SHOWN])
    for ticket in tickets:
        ticket.late = ticket.next_due is not None and ticket.next_due < now
    return {"template": "service_desk/workbench_tickets.html", "tickets": tickets, "count": queue.count(),
            "breached": queue.filter(Q(first_response_breached_at__isnull=False)
                                     | Q(resolution_breached_at__isnull=False)).count()}
