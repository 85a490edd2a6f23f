import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from clients.roles import Role
from research.models import Product
from research.services import distribution_send, publication_create, publication_review, publication_submit
from settlement.models import TradingDay
from tests.factories import make_staff
from tiering.models import TierAssignment, TierPolicy

DAY = datetime.date(2026, 12, 2)  # a Wednesday


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


def tier(client, value: str, month=datetime.date(2026, 11, 1)):
    TierAssignment.objects.create(client=client, month=month, tier=value, avg_equity=Decimal("0"),
                                  avg_commission=Decimal("0"), trading_days=20, decided_by="test",
                                  computed_at=timezone.now(), state="final",
                                  policy=TierPolicy.objects.order_by("pk").first())


def approved(world, *, kind="daily", body="铜价震荡，关注库存变化。", risk_level="R3", title="铜日评"):
    analyst, compliance = world["analyst"].user, world["compliance"].user
    publication = publication_create(user=analyst, kind=kind, title=title, body=body, risk_level=risk_level,
                                     product_ids=[Product.objects.get(exchange="SHFE", code="cu", kind="futures").pk])
    version = publication_submit(user=analyst, publication_id=publication.pk)
    publication_review(user=compliance, publication_id=publication.pk, version_id=version.pk, decision="approved")
    publication.refresh_from_db()
    return publication


def sent(distribution):
    distribution_send(distribution.pk)
    distribution.refresh_from_db()
    return distribution
