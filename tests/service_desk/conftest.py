
import pytest
from django.core.cache import cache
from django.utils import translation

from service_desk.models import SlaTarget, TicketCategory


@pytest.fixture(autouse=True)
def no_cached_dashboards():
    cache.clear()  # the KPI figures are cached a minute per scope (S17); each test reads its own
    yield


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def category(db):
    """银期转账 with targets of 30 service minutes to the first response and 60 to the resolution, warned 10 before."""
    category = TicketCategory.objects.get(code="bank_transfer")
    SlaTarget.objects.filter(category=category, priority="normal").update(
        first_response_minutes=30, resolution_minutes=60, warn_minutes=10)
    return category
