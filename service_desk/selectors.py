"""The service desk's reads, scoped (domain O) through Ticket.objects.visible_to."""

import datetime

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from service_desk.models import Article, Ticket, TicketEvent

FINISHED = [Ticket.State.RESOLVED, Ticket.State.CLOSED]


def knowledge_report(user, since: datetime.date, *, limit: int = 20) -> dict:
    """S14 for the service centre's lead: the articles given most in replies since the day, and the questions
    answered without one (finished tickets none of whose replies gave an article), per category and the latest."""
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time()))
    tickets = Ticket.objects.visible_to(user).filter(opened_at__gte=start)
    used = (TicketEvent.objects.filter(ticket__in=tickets, article__isnull=False)
            .values("article__article_id").annotate(uses=Count("id"), tickets=Count("ticket_id", distinct=True))
            .order_by("-uses", "article__article_id")[:limit])
    articles = Article.objects.select_related("current", "category").in_bulk(
        [row["article__article_id"] for row in used])
    answered = TicketEvent.objects.filter(ticket_id=OuterRef("pk"), article__isnull=False)
    finished = tickets.filter(state__in=FINISHED).exclude(Exists(answered))
    by_category = (tickets.filter(state__in=FINISHED).values("category__name")
                   .annotate(finished=Count("id"), without=Count("id", filter=~Exists(answered)))
                   .order_by("-without", "category__name"))
    return {
        "since": since,
        "used": [{"article": articles[row["article__article_id"]], "uses": row["uses"], "tickets": row["tickets"]}
                 for row in used],
        "by_category": list(by_category),
        "without": list(finished.select_related("category").order_by("-resolved_at", "-pk")[:limit]),
    }
