"""S18 publications and S19 compliance review: versions, the four eyes, warnings at their boundaries."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from core.errors import DomainError
from research import services
from research.models import Product, Publication, ReviewDecision
from research.services import point_warnings, publication_create, publication_review, publication_submit
from tests.fixtures.research import approved
from tests.fixtures.times import local


@pytest.mark.parametrize(("text", "quoted"), [
    ("在3500附近买入", ["3500附近买入"]),  # two characters between: a point
    ("止损3450", ["止损3450"]),
    ("3500元左右再买入", ["3500元左右再买入"]),  # exactly four characters between (POINT_REACH)
    ("3500元，左右再买入", []),  # five: no longer next to it
    ("建议逢低买入，控制仓位", []),
    ("第2季度\n卖出", []),  # not across lines
])
def test_digits_next_to_a_point_word_are_a_specific_point(db, text, quoted):
    assert point_warnings(text) == quoted


def test_an_analyst_drafts_compliance_refuses_then_approves_the_next_version(research):
    analyst, compliance = research["analyst"].user, research["compliance"].user
    publication = publication_create(user=analyst, kind="tip", title="螺纹钢机会", body="建议在3500附近买入。")
    first = publication_submit(user=analyst, publication_id=publication.pk, now=local("2026-12-02", "10:00"))
    assert first.disclosure.startswith("风险提示") and [w["code"] for w in first.warnings] == ["points"]
    with pytest.raises(DomainError) as refused_without_reason:
        publication_review(user=compliance, publication_id=publication.pk, version_id=first.pk, decision="refused")
    assert refused_without_reason.value.field == "comment"
    publication_review(user=compliance, publication_id=publication.pk, version_id=first.pk, decision="refused",
                       comment="不得给出具体点位", now=local("2026-12-02", "10:05"))
    second = services.version_write(user=analyst, publication_id=publication.pk, title="螺纹钢机会",
                                    body="库存去化，关注回调后的做多机会，注意控制仓位。")
    publication_submit(user=analyst, publication_id=publication.pk, now=local("2026-12-02", "10:10"))
    decision = publication_review(user=compliance, publication_id=publication.pk, version_id=second.pk,
                                  decision="approved", now=local("2026-12-02", "10:15"))
    publication.refresh_from_db()
    assert publication.state == Publication.State.APPROVED and publication.approved_version == second
    assert decision.warnings == [] and decision.reviewer == compliance
    assert list(ReviewDecision.objects.filter(version__publication=publication).values_list(
        "version__number", "decision")) == [(2, "approved"), (1, "refused")]
    first.refresh_from_db()
    assert first.body == "建议在3500附近买入。"  # the refused version is kept as written


def test_the_author_never_reviews_and_others_may_not_at_all(research):
    analyst = research["analyst"].user
    publication = publication_create(user=analyst, kind="daily", title="日评", body="震荡")
    version = publication_submit(user=analyst, publication_id=publication.pk)
    with pytest.raises(PermissionDenied):  # an analyst has no review permission
        publication_review(user=analyst, publication_id=publication.pk, version_id=version.pk, decision="approved")
    research["chief"].user.groups.add(*research["compliance"].user.groups.all())
    Publication.objects.filter(pk=publication.pk).update(author=research["chief"].user)
    with pytest.raises(DomainError) as own:
        publication_review(user=research["chief"].user, publication_id=publication.pk, version_id=version.pk,
                           decision="approved")
    assert own.value.code == "four_eyes"


def test_only_the_version_under_review_is_decided_and_an_approved_one_takes_no_new_version(research):
    publication = approved(research)
    with pytest.raises(DomainError):
        services.version_write(user=research["analyst"].user, publication_id=publication.pk, title="x", body="y")
    with pytest.raises(DomainError):
        publication_review(user=research["compliance"].user, publication_id=publication.pk,
                           version_id=publication.approved_version_id, decision="approved")


@pytest.mark.parametrize(("product", "moment", "outside"), [
    ("SHFE rb", ("2026-12-02", "14:59"), False), ("SHFE rb", ("2026-12-02", "15:00"), True),  # ends at 15:00
    ("SHFE rb", ("2026-12-02", "09:00"), False), ("SHFE rb", ("2026-12-02", "08:59"), True),
    ("SHFE rb", ("2026-12-02", "10:20"), True),  # the commodities' morning break, 10:15–10:30
    ("SHFE rb", ("2026-12-02", "22:59"), False), ("SHFE rb", ("2026-12-02", "23:00"), True),
    ("SHFE cu", ("2026-12-03", "00:30"), False), ("SHFE cu", ("2026-12-03", "01:00"), True),  # copper until 01:00
    ("SHFE au", ("2026-12-03", "02:00"), False), ("SHFE au", ("2026-12-03", "02:30"), True),  # gold until 02:30
    ("CFFEX IF", ("2026-12-02", "21:30"), True), ("CFFEX IF", ("2026-12-02", "09:29"), True),  # no night session
    ("CFFEX IF", ("2026-12-02", "09:30"), False), ("CFFEX T", ("2026-12-02", "15:14"), False),
    ("CFFEX T", ("2026-12-02", "15:15"), True),
    ("SHFE cu", ("2026-12-05", "00:30"), False),  # Saturday morning: Friday's night session, for Monday
    ("SHFE cu", ("2026-12-05", "10:00"), True),  # a Saturday
    ("SHFE cu", ("2026-09-30", "21:30"), True),  # the evening before the National Day holiday: no night session
    ("GFEX si", ("2026-12-02", "21:30"), True),
])
def test_an_intraday_tip_outside_its_products_sessions_is_warned(research, product, moment, outside):
    """S19 with C5: the sessions are each product's, from the catalogue."""
    exchange, code = product.split()
    chosen = Product.objects.get(exchange=exchange, code=code, kind="futures")
    publication = publication_create(user=research["analyst"].user, kind="tip", title="机会", body="关注",
                                     product_ids=[chosen.pk])
    version = publication_submit(user=research["analyst"].user, publication_id=publication.pk, now=local(*moment))
    assert ("outside_hours" in [w["code"] for w in version.warnings]) is outside


def test_a_tip_naming_no_product_is_in_session_while_any_product_trades(research):
    """S19: at 01:30 only gold, silver and crude oil trade; at 03:00 nothing does."""
    for time, outside in (("01:30", False), ("03:00", True)):
        publication = publication_create(user=research["analyst"].user, kind="tip", title="机会", body="关注")
        version = publication_submit(user=research["analyst"].user, publication_id=publication.pk,
                                     now=local("2026-12-03", time))
        assert ("outside_hours" in [w["code"] for w in version.warnings]) is outside, time


def test_a_kind_without_disclosure_is_warned_and_the_markdown_is_safe(research):
    from research.models import DisclosureText

    DisclosureText.objects.filter(kind="special").update(text="")
    publication = publication_create(user=research["analyst"].user, kind="special", title="专题",
                                     body="**重点** <script>alert(1)</script> [x](javascript:alert(1))")
    version = publication_submit(user=research["analyst"].user, publication_id=publication.pk,
                                 now=datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC))
    assert [w["code"] for w in version.warnings] == ["no_disclosure"]
    html = services.render_markdown(version.body)
    assert "<strong>重点</strong>" in html and "<script>" not in html and "&lt;script&gt;" in html
    assert "href" not in html  # a javascript: link is left as text


def test_an_analyst_drafts_a_publication_on_the_admin_add_page_with_its_first_version(research, login):
    from research.models import Product

    gold = Product.objects.get(exchange="SHFE", code="au", kind="futures")
    page = login(research["analyst"]).post("/admin/research/publication/add/", {
        "kind": "tip", "title": "沪金交易机会提示", "products": [gold.pk], "risk_level": "R3",
        "body": "沪金短线偏强，注意控制仓位。", "_continue": "1"})
    publication = Publication.objects.get(title="沪金交易机会提示")
    assert page.status_code == 302 and page["Location"].endswith(f"/{publication.pk}/change/")
    assert publication.author == research["analyst"].user and publication.state == "draft"
    assert list(publication.versions.values_list("number", "body")) == [(1, "沪金短线偏强，注意控制仓位。")]
    assert list(publication.products.all()) == [gold]
