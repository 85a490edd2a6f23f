"""S4 daily information: to opted-in clients in the sender's scope, recorded per recipient; opt-out at once (S9)."""

import pytest
from django.core.exceptions import PermissionDenied

from clients.roles import Role
from core.errors import DomainError
from core.sms import LocmemBackend
from service_log.models import Broadcast, SmsDelivery
from service_log.services import broadcast_create, broadcast_send


@pytest.fixture(autouse=True)
def outbox():
    LocmemBackend.outbox.clear()


def test_only_opted_in_clients_in_scope_receive_it_once_each(world):
    own, colleague, other = (world["clients"][name] for name in ("own", "colleague", "other_branch"))
    for client, opted_in in ((own, True), (colleague, False), (other, True)):
        client.marketing_opt_in = opted_in
        client.save()
    broadcast = broadcast_create(user=world["staff"][Role.BRANCH_MANAGER].user, text="今日螺纹钢主力合约收涨1.2%")
    assert broadcast_send(broadcast.pk) == 1
    assert broadcast_send(broadcast.pk) == 1  # re-run: nobody gets it twice
    assert [message.phone for message in LocmemBackend.outbox] == [own.decrypted_phone()]
    assert "今日螺纹钢" in LocmemBackend.outbox[0].text
    delivery = SmsDelivery.objects.get()
    assert (delivery.client, delivery.broadcast, delivery.status) == (own, broadcast, "sent")
    assert Broadcast.objects.values_list("recipients", "delivered").get() == (1, 1)


def test_an_opt_out_before_sending_is_honoured(world):
    own = world["clients"]["own"]
    own.marketing_opt_in = True
    own.save()
    broadcast = broadcast_create(user=world["staff"][Role.HEAD_OFFICE].user, text="资讯")
    own.marketing_opt_in = False
    own.save()
    broadcast_send(broadcast.pk)
    assert own.pk not in SmsDelivery.objects.values_list("client", flat=True)


def test_who_may_broadcast(world):
    with pytest.raises(PermissionDenied):
        broadcast_create(user=world["staff"][Role.ADVISOR].user, text="资讯")
    with pytest.raises(DomainError):
        broadcast_create(user=world["staff"][Role.HEAD_OFFICE].user, text="  ")
