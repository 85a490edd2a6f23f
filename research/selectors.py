"""S23 the advisors' library: approved research searchable by product, kind and date, with what the clients of the
reader's scope (O) received, per publication and per advisor."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q

from clients.models import Branch, StaffProfile
from research.models import Delivery, Publication, Question

PAGE = 25


@dataclass
class LibraryFilter:
    product_id: int | None = None
    kind: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None
    received_only: bool = False


def library(user, chosen: LibraryFilter, page: int = 1) -> dict:
    """Approved (or later withdrawn) publications, the latest approved first, PAGE at a time; for each, how many
    clients in the user's scope received it, opened the link and asked a question."""
    publications = Publication.objects.filter(state__in=[Publication.State.APPROVED, Publication.State.WITHDRAWN],
                                              approved_at__isnull=False)
    if chosen.product_id:
        publications = publications.filter(products__id=chosen.product_id)
    if chosen.kind:
        publications = publications.filter(kind=chosen.kind)
    if chosen.since:
        publications = publications.filter(approved_at__date__gte=chosen.since)
    if chosen.until:
        publications = publications.filter(approved_at__date__lte=chosen.until)
    scoped = Delivery.objects.visible_to(user)
    if chosen.received_only:
        publications = publications.filter(pk__in=scoped.filter(status=Delivery.Status.SENT)
                                           .values("distribution__publication_id"))
    rows = list(publications.select_related("approved_version").prefetch_related("products")
                .order_by("-approved_at", "-pk")[(page - 1) * PAGE:page * PAGE + 1])
    more, rows = len(rows) > PAGE, rows[:PAGE]
    counts = received_counts(user, [row.pk for row in rows])
    for row in rows:
        row.received = counts.get(row.pk, {"sent": 0, "opened": 0, "questions": 0})
    return {"rows": rows, "more": more, "page": page}


def received_counts(user, publication_ids: list[int]) -> dict[int, dict]:
    """Per publication: clients of the user's scope sent it, who opened it, and their questions."""
    counts: dict[int, dict] = {pk: {"sent": 0, "opened": 0, "questions": 0} for pk in publication_ids}
    for row in (Delivery.objects.visible_to(user).filter(distribution__publication_id__in=publication_ids)
                .values("distribution__publication_id").order_by()
                .annotate(sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
                          opened=Count("pk", filter=Q(opened_at__isnull=False)))):
        counts[row["distribution__publication_id"]].update(sent=row["sent"], opened=row["opened"])
    for row in (Question.objects.visible_to(user).filter(publication_id__in=publication_ids)
                .values("publication_id").order_by().annotate(questions=Count("pk"))):
        counts[row["publication_id"]]["questions"] = row["questions"]
    return counts


def received_by_advisor(user, publication: Publication) -> list[dict]:
    """What each advisor's clients (in the user's scope) received of one publication: sent, not sent (no consent,
    no phone, failed), opened, questions."""
    rows = list(Delivery.objects.visible_to(user).filter(distribution__publication=publication)
                .values("branch_id", "advisor_id").order_by()
                .annotate(sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
                          not_sent=Count("pk", filter=~Q(status=Delivery.Status.SENT)),
                          opened=Count("pk", filter=Q(opened_at__isnull=False))))
    questions = {(row["branch_id"], row["advisor_id"]): row["n"] for row in
                 Question.objects.visible_to(user).filter(publication=publication)
                 .values("branch_id", "advisor_id").order_by().annotate(n=Count("pk"))}
    branches = dict(Branch.objects.filter(pk__in={row["branch_id"] for row in rows}).values_list("pk", "code"))
    advisors = dict(StaffProfile.objects.filter(pk__in={row["advisor_id"] for row in rows if row["advisor_id"]})
                    .values_list("pk", "full_name"))
    for row in rows:
        row.update(branch=branches.get(row["branch_id"], ""), advisor=advisors.get(row["advisor_id"], ""),
                   questions=questions.get((row["branch_id"], row["advisor_id"]), 0))
    return sorted(rows, key=lambda row: (row["branch"], row["advisor"]))
