"""S1: a follow-up is open while no later contact with the client exists (ContactRecord.follow_up_open, kept by a
trigger, service_log/sql.py FOLLOW_UP_OPEN): set, answered, un-answered when the answer goes or moves."""

import datetime

from django.utils import timezone

from tests.factories import ContactRecordFactory

MORNING = timezone.make_aware(datetime.datetime(2026, 11, 25, 9))


def contact(client, at, follow_up=None):
    return ContactRecordFactory(client=client, staff=client.advisor, category="guidance", summary="call",
                                        contacted_at=at, next_follow_up=follow_up)


def is_open(record) -> bool:
    record.refresh_from_db()
    return record.follow_up_open


def test_a_follow_up_is_open_until_a_later_contact(world):
    own, other = world["clients"]["own"], world["clients"]["other_branch"]
    asked = contact(own, MORNING, follow_up=datetime.date(2026, 11, 27))
    plain = contact(own, MORNING - datetime.timedelta(hours=1))  # earlier, sets none
    assert is_open(asked) and not is_open(plain)
    contact(other, MORNING + datetime.timedelta(hours=1))  # another client's contact answers nothing here
    assert is_open(asked)
    answer = contact(own, MORNING + datetime.timedelta(seconds=1))
    assert not is_open(asked)
    answer.contacted_at = MORNING  # at the same moment: not later, so not an answer
    answer.save()
    assert is_open(asked)
    answer.contacted_at = MORNING + datetime.timedelta(hours=2)
    answer.save()
    assert not is_open(asked)
    answer.delete()
    assert is_open(asked)


def test_moving_a_contact_to_another_client_moves_what_it_answers(world):
    own, colleague = world["clients"]["own"], world["clients"]["colleague"]
    asked = contact(own, MORNING, follow_up=datetime.date(2026, 11, 27))
    answer = contact(own, MORNING + datetime.timedelta(hours=1), follow_up=datetime.date(2026, 11, 30))
    assert not is_open(asked) and is_open(answer)
    answer.client = colleague
    answer.save()
    assert is_open(asked) and is_open(answer)
    asked.next_follow_up = None
    asked.save()
    assert not is_open(asked)
