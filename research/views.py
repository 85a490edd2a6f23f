"""S20: the phone-sized public page a research SMS links to (no login; signed link; rate-limited per address)."""

from django.conf import settings
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from core.ratelimit import public_page_rate_limited
from research.services import delivery_for_token, delivery_open, render_markdown


@public_page_rate_limited(limit=30, per_seconds=60)
@require_GET
def research_read_view(request, token: str):
    """The exact version that was sent (its approved text and disclosure); the first opening is kept (S21)."""
    delivery = delivery_for_token(token)
    if delivery is None:
        return render(request, "research/gone.html", status=404)
    delivery_open(delivery)
    version = delivery.distribution.version
    return render(request, "research/read.html", {
        "version": version, "publication": version.publication, "distribution": delivery.distribution,
        "products": [str(product.name) for product in version.publication.products.all()],
        "html": mark_safe(render_markdown(version.body)),  # noqa: S308 - rendered without raw HTML
        "hotline": settings.SERVICE_HOTLINE,
    })
