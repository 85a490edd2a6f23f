"""What people read of a tier (T9): the criterion that decided it in words, and captions without raw codes."""

import datetime

import pytest

from tiering.models import TierAssignment, criterion_in_words


@pytest.mark.parametrize(("decided_by", "words"), [
    ("equity>=1000.00", "月均权益 ≥ 1,000.00 元"),
    ("commission>=100000.00", "月均手续费 ≥ 100,000.00 元"),
    ("traded_within_year", "一年内有交易"),
    ("idle_year,equity<=1000.00", "一年内无交易且无持仓；期末权益 ≤ 1,000.00 元"),
    ("none", "不满足以上任一条件"),
])
def test_the_criterion_in_words(decided_by, words):
    assert criterion_in_words(decided_by) == words


def test_a_tier_assignment_is_captioned_in_words():
    assert str(TierAssignment(month=datetime.date(2026, 12, 1), tier="effective")) == "2026-12 有效"
