"""A6: the month's figures of return visits per branch and per member of staff (owed, done in time, late, failed,
unreachable), scoped (O), and the month's reproducible sample of successful visits for compliance's review."""

import datetime
import math

from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.models import ReturnVisit

SAMPLE_SHARE, SAMPLE_LEAST = 0.05, 3  # A6: 5 % of a branch's successful visits, at least 3 (all when fewer)


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = month.replace(day=1)
    return start, (start + datetime.timedelta(days=32)).replace(day=1)


def visit_figures(user, month: datetime.date) -> dict:
    """The visits due in `month` that the user may see, counted per branch and per member of staff who made them
    (a visit not made yet counts under nobody): owed, done in time (finished by its deadline), late (finished after
    it, or still owed past it), successful, failed, unreachable, still to be made."""
    start, end = month_bounds(month)
    today = timezone.localdate()
    due = ReturnVisit.objects.visible_to(user).filter(due_on__gte=start, due_on__lt=end)
    counts = {
        "owed": Count("pk"),
        "in_time": Count("pk", filter=Q(finished_at__isnull=False, finished_at__date__lte=F("due_on"))),
        "late": Count("pk", filter=Q(finished_at__isnull=False, finished_at__date__gt=F("due_on"))
                      | Q(finished_at__isnull=True, due_on__lt=today)),
        "successful": Count("pk", filter=Q(status=ReturnVisit.Status.SUCCESSFUL)),
        "failed": Count("pk", filter=Q(status=ReturnVisit.Status.FAILED)),
        "unreachable": Count("pk", filter=Q(status=ReturnVisit.Status.UNREACHABLE)),
        "open": Count("pk", filter=Q(status=ReturnVisit.Status.OWED)),
    }
    branches = list(due.values("client__branch", "client__branch__name").annotate(**counts)
                    .order_by("client__branch__code"))
    staff = list(due.values("client__branch__name", "finished_by", "finished_by__full_name").annotate(**counts)
                 .order_by("client__branch__code", "finished_by__staff_code"))
    total = due.aggregate(**counts)
    return {"month": start, "branches": branches, "staff": staff, "total": total}


FIGURES = ["owed", "in_time", "late", "successful", "failed", "unreachable", "open"]


def figure_labels() -> list[str]:
    return [_("due this month"), _("done in time"), _("late"), _("successful"), _("failed"), _("unreachable"),
            _("still to be made")]


def figures_sections(figures: dict) -> dict[str, list[list]]:
    """The page's two tables as the export's sections (core/exports.py), with the page's own words."""
    labels = figure_labels()
    branches = [[_("branch"), *labels]] + [[row["client__branch__name"], *(row[name] for name in FIGURES)]
                                          for row in figures["branches"]]
    branches.append([_("total"), *(figures["total"][name] for name in FIGURES)])
    staff = [[_("branch"), _("made by"), *labels]] + [
        [row["client__branch__name"], row["finished_by__full_name"] or _("not made yet"),
         *(row[name] for name in FIGURES)] for row in figures["staff"]]
    month = f"{figures['month']:%Y-%m}"
    return {_("Visits by branch %(month)s") % {"month": month}: branches,
            _("Visits by staff %(month)s") % {"month": month}: staff}


SAMPLE = """
WITH done AS (
    SELECT visit.id, client.branch_id,
           row_number() OVER (PARTITION BY client.branch_id ORDER BY md5(%(seed)s || ':' || visit.id)) AS draw,
           count(*) OVER (PARTITION BY client.branch_id) AS total
    FROM visits_returnvisit visit JOIN clients_client client ON client.id = visit.client_id
    WHERE visit.status = 'successful' AND visit.finished_at >= %(start)s AND visit.finished_at < %(end)s
)
SELECT id FROM done WHERE draw <= greatest(%(least)s, ceil(total * %(share)s))
"""


def month_sample(user, month: datetime.date):
    """A6: the month's sample of successful visits (finished in the month), per branch 5 % and at least 3 (all when
    fewer), drawn by a hash of the month and the visit: the same month gives the same sample whenever it is read.
    The visits the user may see of it (compliance and head office: all)."""
    start, end = month_bounds(month)
    tz = timezone.get_current_timezone()
    with connection.cursor() as cursor:
        cursor.execute(SAMPLE, {
            "seed": f"{start:%Y-%m}", "least": SAMPLE_LEAST, "share": SAMPLE_SHARE,
            "start": datetime.datetime.combine(start, datetime.time(), tz),
            "end": datetime.datetime.combine(end, datetime.time(), tz)})
        ids = [row[0] for row in cursor.fetchall()]
    return (ReturnVisit.objects.visible_to(user).filter(pk__in=ids)
            .select_related("client__branch", "finished_by", "review__reviewer")
            .order_by("client__branch__code", "finished_at", "pk"))


def sample_size(total: int) -> int:
    """How many of a branch's `total` successful visits the sample takes (the SQL's rule, for tests and pages)."""
    return min(total, max(SAMPLE_LEAST, math.ceil(total * SAMPLE_SHARE)))
