"""S14: the knowledge base, its versions, its Chinese search, replies that give an article, and the lead's report."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from clients.roles import Role
from service_desk import search, services
from service_desk.models import Article, ArticleVersion, Ticket, TicketCategory, TicketEvent
from tests.fixtures.pages import visible_text

TRANSFER = ("银期转账资金未到账的处理", "银期转账在交易时段内实时到账。显示成功但未到账时，请客户核对银行账户余额，"
            "并在交易软件中查询转账流水；节假日前一晚不能转账。")
SOFTWARE = ("交易软件无法登录", "请确认网络连接与服务器站点，必要时重置交易密码。")
FORCED = ("追加保证金与强行平仓规则", "风险度达到100%时须在规定时间内追加保证金，否则公司有权强行平仓。",
          "强平 追保 爆仓")


@pytest.fixture
def articles(world):
    author = world["staff"][Role.SERVICE_STAFF].user
    made = {}
    for code, (title, body, *keywords) in {"bank_transfer": TRANSFER, "trading_software": SOFTWARE,
                                           "margin_call": FORCED}.items():
        made[code] = services.article_write(user=author, category_id=TicketCategory.objects.get(code=code).pk,
                                            title=title, body=body, keywords=" ".join(keywords))
    return made


def test_chinese_is_cut_into_bigrams_and_latin_into_words():
    assert search.terms("银期转账 CTP2 登录") == ["银期", "期转", "转账", "ctp2", "登录"]
    assert search.terms("钱") == ["钱"]
    assert search.terms("！？ & | ' :*") == []


@pytest.mark.parametrize(("question", "found"), [
    ("银期转账", "bank_transfer"),
    ("转账不到账怎么办", "bank_transfer"),  # 怎么办 is in no article; 转账 and 到账 are
    ("强平", "margin_call"),
    ("登录不了交易软件", "trading_software"),
])
def test_a_question_in_chinese_finds_its_article_first(articles, question, found):
    assert services.articles_find(question)[0] == articles[found]


def test_nothing_matches_nothing_and_query_syntax_is_only_text(articles):
    assert services.articles_find("天气预报") == []
    assert services.articles_find("' & | ! :* (") == []


def test_an_article_out_of_use_is_not_found(articles):
    assert services.articles_find("强平")
    Article.objects.filter(pk=articles["margin_call"].pk).update(active=False)
    assert services.articles_find("强平") == []


def test_a_changed_article_is_a_new_version_and_the_search_reads_it(world, articles):
    author = world["staff"][Role.SERVICE_STAFF].user
    article = articles["trading_software"]
    category = article.category_id
    services.article_write(user=author, article_id=article.pk, category_id=category, title=SOFTWARE[0],
                           body=SOFTWARE[1])
    assert article.versions.count() == 1  # nothing changed: no version
    services.article_write(user=author, article_id=article.pk, category_id=category, title=SOFTWARE[0],
                           body=SOFTWARE[1] + "行情延迟时请切换行情站点。")
    article.refresh_from_db()
    assert article.current.number == 2 and article.versions.count() == 2
    assert ArticleVersion.objects.get(article=article, number=1).body == SOFTWARE[1]
    assert services.articles_find("行情站点")[0] == article


def test_an_advisor_does_not_write_the_knowledge_base(world):
    with pytest.raises(PermissionDenied):
        services.article_write(user=world["staff"][Role.ADVISOR].user, title="x", body="y",
                               category_id=TicketCategory.objects.first().pk)


def test_a_reply_gives_the_current_version_and_its_text(world, articles):
    user = world["staff"][Role.SERVICE_STAFF].user
    ticket = services.ticket_open(user=user, category_id=articles["bank_transfer"].category_id,
                                  subject="转账未到账", client_id=world["clients"]["own"].pk, channel="wechat")
    reply = services.ticket_reply(user=user, ticket_id=ticket.pk, text="", article_id=articles["bank_transfer"].pk)
    assert reply.article == articles["bank_transfer"].current and reply.text == TRANSFER[1]
    Article.objects.filter(pk=articles["trading_software"].pk).update(active=False)
    with pytest.raises(services.DomainError, match="article in use"):
        services.ticket_reply(user=user, ticket_id=ticket.pk, text="", article_id=articles["trading_software"].pk)


def test_the_ticket_page_suggests_articles_by_its_subject_and_a_search(world, articles, login):
    user = world["staff"][Role.SERVICE_STAFF]
    ticket = services.ticket_open(user=user.user, category_id=articles["bank_transfer"].category_id,
                                  subject="银期转账未到账", client_id=world["clients"]["own"].pk)
    browser = login(user)
    page = browser.get(reverse("admin:service_desk_ticket_change", args=[ticket.pk]))
    assert page.context["articles"][0] == articles["bank_transfer"]
    searched = browser.get(reverse("admin:service_desk_ticket_change", args=[ticket.pk]) + "?kb=强平")
    assert searched.context["articles"][0] == articles["margin_call"]
    browser.post(reverse("admin:service_desk_ticket_act", args=[ticket.pk]),
                 {"action": "reply", "text": "", "article": articles["bank_transfer"].pk})
    assert TicketEvent.objects.get(ticket=ticket, kind="reply").article == articles["bank_transfer"].current


def test_the_leads_report_counts_uses_and_lists_questions_without_an_article(world, articles, login):
    user = world["staff"][Role.SERVICE_STAFF].user
    category = articles["bank_transfer"].category_id
    with_article = services.ticket_open(user=user, category_id=category, subject="转账",
                                        client_id=world["clients"]["own"].pk)
    services.ticket_reply(user=user, ticket_id=with_article.pk, text="", article_id=articles["bank_transfer"].pk)
    services.ticket_step(user=user, ticket_id=with_article.pk, step="resolve", text="已到账")
    without = services.ticket_open(user=user, category_id=category, subject="转账手续费多少",
                                   client_id=world["clients"]["colleague"].pk)
    services.ticket_step(user=user, ticket_id=without.pk, step="resolve", text="银期转账不收手续费")
    other_branch = services.ticket_open(user=world["staff"][Role.HEAD_OFFICE].user, category_id=category,
                                        subject="外地客户转账", client_id=world["clients"]["other_branch"].pk)
    services.ticket_step(user=world["staff"][Role.HEAD_OFFICE].user, ticket_id=other_branch.pk, step="resolve",
                         text="已处理")
    manager = login(world["staff"][Role.BRANCH_MANAGER])
    report = manager.get(reverse("knowledge-report")).context["report"]
    assert [(row["article"], row["uses"]) for row in report["used"]] == [(articles["bank_transfer"], 1)]
    assert report["without"] == [Ticket.objects.get(pk=without.pk)]  # not the other branch's
    assert report["by_category"] == [{"category__name": "银期转账", "finished": 2, "without": 1}]
    head_office = login(world["staff"][Role.HEAD_OFFICE]).get(reverse("knowledge-report")).context["report"]
    assert {ticket.pk for ticket in head_office["without"]} == {without.pk, other_branch.pk}


@pytest.mark.parametrize(("role", "status"), [(Role.ADVISOR, 403), (Role.SERVICE_STAFF, 403),
                                              (Role.BRANCH_MANAGER, 200), (Role.HEAD_OFFICE, 200)])
def test_the_report_is_for_managers_and_head_office(world, login, role, status):
    assert login(world["staff"][role]).get(reverse("knowledge-report")).status_code == status


@pytest.mark.parametrize("role", [Role.HEAD_OFFICE, Role.SERVICE_STAFF])
def test_an_article_is_written_and_changed_in_the_admin(world, login, role):
    """Issue 35 finding 7: adding or editing an article answered 500 ('ArticleVersionFormSet' object has no attribute
    'new_objects'); the service writes it and the page goes back to the list."""
    browser = login(world["staff"][role])
    add = reverse("admin:service_desk_article_add")
    management = dict(re.findall(r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d+)"',
                                 browser.get(add).content.decode()))
    category = TicketCategory.objects.get(code="funds").pk
    added = browser.post(add, {**management, "category": category, "title": "出金到账时间",
                               "body": "一般两小时内到账。", "keywords": "出金", "active": "on"})
    assert added.status_code == 302, added.content.decode()[:2000]
    article = Article.objects.get(current__title="出金到账时间")
    change = reverse("admin:service_desk_article_change", args=[article.pk])
    management = dict(re.findall(r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d+)"',
                                 browser.get(change).content.decode()))
    changed = browser.post(change, {**management, "category": category, "title": "出金到账时间",
                                    "body": "一般两小时内到账，节假日顺延。", "keywords": "出金", "active": "on"})
    assert changed.status_code == 302
    assert ArticleVersion.objects.filter(article=article).count() == 2


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.BRANCH_MANAGER, Role.RISK_OFFICER])
def test_who_only_reads_the_knowledge_base_reads_the_article(world, articles, login, role):
    """S14 (issue 36): advisors, branch managers and risk officers answer clients from an article's page; it showed
    "Title: None / Keywords: None / Body: None". They read the current version's title, keywords and text."""
    article = articles["margin_call"]
    page = login(world["staff"][role]).get(reverse("admin:service_desk_article_change", args=[article.pk]))
    assert page.status_code == 200
    text = " ".join(visible_text(page.content.decode()).split())
    assert FORCED[0] in text and "风险度达到100%时须在规定时间内追加保证金" in text and "强平 追保 爆仓" in text
    assert "None" not in text and "<p>" not in text
