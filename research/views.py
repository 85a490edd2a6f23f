"""S20/S22: the phone-sized public page a research SMS links to (no login; signed link; rate-limited per address),
where the recipient may also ask the chief analyst a question. And S23, the advisors' library."""


from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.ratelimit import public_page_rate_limited
from research.filtersets import LibraryFilterSet
from research.models import Kind, Product, Publication
from research.selectors import LibraryFilter, library, received_by_advisor
from research.services import delivery_for_token, delivery_open, question_from_link, render_markdown


@public_page_rate_limited(limit=30, per_seconds=60)
@require_http_methods(["GET", "POST"])
def research_read_view(request, token: str):
    """The exact version that was sent (its approved text and disclosure); the first opening is kept (S21); a
    question posted here goes to the chief analyst's queue (S22)."""
    delivery = delivery_for_token(token)
    if delivery is None:
        return render(request, "research/gone.html", status=404)
    delivery_open(delivery)
    asked, error, text, status = False, "", "", 200
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            question_from_link(delivery, text)
        except DomainError as refusal:
            error, status = refusal.message, 400
        else:
            asked, text = True, ""
    version = delivery.distribution.version
    return render(request, "research/read.html", {
        "version": version, "publication": version.publication, "distribution": delivery.distribution,
        "products": [str(product.name) for product in version.publication.products.all()],
        "html": mark_safe(render_markdown(version.body)),  # noqa: S308 - rendered without raw HTML
        "hotline": settings.SERVICE_HOTLINE, "asked": asked, "error": error, "text": text,
    }, status=status)


@login_required
@permission_required("research.view_publication", raise_exception=True)
def library_view(request):
    """S23 the advisors' library: search by product, kind and date; what the clients of one's scope received."""
    values = LibraryFilterSet(request.GET, request=request).values(kind="", received=False, page=1)
    chosen = LibraryFilter(product_id=values["product"].pk if values["product"] else None, kind=values["kind"],
                           since=values["since"], until=values["until"], received_only=values["received"])
    page = int(values["page"])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "research/library.html", {
        **admin.site.each_context(request), "title": _("Research library"), "chosen": chosen,
        "library": library(request.user, chosen, page), "kinds": Kind.choices, "query": query.urlencode(),
        "products": Product.objects.filter(active=True).order_by("exchange", "code"),
    })


@login_required
@permission_required("research.view_publication", raise_exception=True)
def library_publication_view(request, pk: int):
    """S23: one publication, what each advisor's clients in one's scope received of it."""
    publication = get_object_or_404(Publication.objects.filter(approved_at__isnull=False), pk=pk)
    return render(request, "research/library_publication.html", {
        **admin.site.each_context(request), "title": publication.title, "publication": publication,
        "rows": received_by_advisor(request.user, publication),
    })
