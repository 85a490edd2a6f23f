
import pytest
from django.utils import translation

from clients.roles import Role
from settlement.models import TradingDay
from tests.factories import make_staff
from tests.fixtures.research import DAY


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def research(world):
    """world plus an analyst, the chief analyst and a compliance officer; the world's clients opted in, C3."""
    world["analyst"] = make_staff(Role.ANALYST, None, "RES1")
    world["chief"] = make_staff(Role.CHIEF_ANALYST, None, "RES0")
    world["compliance"] = make_staff(Role.COMPLIANCE, None, "CMP1")
    for client in world["clients"].values():
        client.marketing_opt_in, client.risk_tolerance = True, "C3"
        client.save()
    TradingDay.objects.update_or_create(date=DAY, defaults={"is_trading_day": True})
    return world


