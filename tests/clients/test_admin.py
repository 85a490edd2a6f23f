"""The admin for service staff: Chinese by default, search, bounded counts, brute-force protection."""

import polib
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from clients.roles import Role
from core.admin_tools import COUNT_CAP, BoundedCountPaginator
from tests.factories import PASSWORD, ClientFactory


def test_admin_speaks_chinese_by_default_and_english_when_chosen(world, login):
    browser = login(world["staff"][Role.HEAD_OFFICE])
    # Chinese even for a browser that prefers English: the default is the service centre's language.
    chinese = browser.get(reverse("admin:clients_client_changelist"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "选择 客户 来修改" in chinese  # Django's own string around our verbose name, both in Chinese
    assert "资金账号" in chinese and "投资顾问" in chinese
    browser.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})  # the language menu
    english = browser.get(reverse("admin:clients_client_changelist")).content.decode()
    assert "Select client to change" in english
    assert "资金账号" not in english


def test_every_message_is_translated_and_compiled():

    directory = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
    source, compiled = polib.pofile(str(directory / "django.po")), polib.mofile(str(directory / "django.mo"))
    assert source.untranslated_entries() == [] and source.fuzzy_entries() == []
    assert {(entry.msgctxt, entry.msgid): entry.msgstr for entry in source if not entry.msgid_plural} == {
        (entry.msgctxt, entry.msgid): entry.msgstr for entry in compiled if not entry.msgid_plural
    }


@pytest.mark.parametrize(
    ("term", "expected"),
    [("1001", {"1001"}), ("2001", {"2001"}), ("13800001002", {"1002"})],
)
def test_admin_search(world, login, term, expected):
    response = login(world["staff"][Role.HEAD_OFFICE]).get(reverse("admin:clients_client_changelist"), {"q": term},
                                                           follow=True)
    assert {client.account_no for client in response.context["cl"].result_list} == expected


def test_a_whole_phone_number_leaves_the_url_before_the_search_runs(world, login):
    """S9: the number typed in the search box is kept in the session; the URL the browser keeps holds a key."""
    browser = login(world["staff"][Role.HEAD_OFFICE])
    moved = browser.get(reverse("admin:clients_client_changelist"), {"q": "13800001002"})
    assert moved.status_code == 302 and "13800001002" not in moved["Location"] and "q=%40" in moved["Location"]
    posted = browser.post(reverse("admin:clients_client_search"), {"q": "13800001002"}).json()["url"]
    assert "13800001002" not in posted
    listed = browser.get(posted).context["cl"].result_list
    assert [client.account_no for client in listed] == ["1002"]
    other_user = login(world["staff"][Role.BRANCH_MANAGER]).get(posted).context["cl"].result_list
    assert list(other_user) == []  # the key means nothing in another session


def test_admin_search_by_last_four_phone_digits_stays_in_scope(world, login):
    # 2001's phone ends in 2001 too, but the advisor may not see that client.
    response = login(world["staff"][Role.ADVISOR]).get(reverse("admin:clients_client_changelist"), {"q": "2001"})
    assert list(response.context["cl"].result_list) == []


def test_client_list_masks_phone_numbers(world, login):
    content = login(world["staff"][Role.HEAD_OFFICE]).get(reverse("admin:clients_client_changelist")).content.decode()
    assert "138****1001" in content
    assert "13800001001" not in content


def test_change_page_shows_reveal_button_only_with_the_permission(world, login):
    own = world["clients"]["own"]
    advisor_page = login(world["staff"][Role.ADVISOR]).get(reverse("admin:clients_client_change", args=[own.pk]))
    html = advisor_page.content.decode()
    assert html.count('class="button pii-reveal"') == 1  # phone yes, ID number no (branch manager and up)
    assert own.decrypted_id_number() not in html


def test_paginator_never_counts_past_the_cap(world):

    paginator = BoundedCountPaginator(Client.objects.all(), 50)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 3
    assert "LIMIT" in queries.captured_queries[0]["sql"].upper()
    assert str(COUNT_CAP + 1) in queries.captured_queries[0]["sql"]


def test_client_list_runs_a_bounded_number_of_queries(world, login):
    for _ in range(30):
        ClientFactory(branch=world["branches"][0], advisor=world["advisors"][0])
    browser = login(world["staff"][Role.HEAD_OFFICE])
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(reverse("admin:clients_client_changelist"))
    assert response.status_code == 200
    assert len(queries) <= 15, [query["sql"] for query in queries.captured_queries]
    assert not any("COUNT(*)" in query["sql"] and "LIMIT" not in query["sql"] for query in queries.captured_queries
                   if "clients_client" in query["sql"])


def test_login_is_locked_after_repeated_failures(world, client):
    username = world["staff"][Role.ADVISOR].user.username
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": username, "password": "wrong"})
    locked = client.post(url, {"username": username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_correct_password_logs_in(world, client):
    username = world["staff"][Role.ADVISOR].user.username
    response = client.post(reverse("admin:login"), {"username": username, "password": PASSWORD,
                                                     "next": "/admin/"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world["staff"][Role.ADVISOR].user.pk)


def test_clients_cannot_be_deleted_or_added_in_the_admin(world, login):
    browser = login(world["staff"][Role.HEAD_OFFICE])
    own = world["clients"]["own"]
    assert browser.get(reverse("admin:clients_client_delete", args=[own.pk])).status_code == 403
    assert browser.get(reverse("admin:clients_client_add")).status_code == 403


@pytest.mark.parametrize("target", ["own", "other_branch"])
def test_service_card_is_printable_and_scoped(world, login, target):
    client = world["clients"][target]
    advisor = world["staff"][Role.ADVISOR]
    advisor.phone = "010-66668888"
    advisor.save()
    response = login(advisor).get(reverse("service-card", args=[client.pk]))
    if target == "own":
        html = response.content.decode()
        assert response.status_code == 200
        assert advisor.full_name in html and "010-66668888" in html and "400-000-0000" in html
        assert client.decrypted_phone() not in html
    else:
        assert response.status_code == 404


def test_a_name_is_found_by_its_start(world):
    """Client.objects.search: names match from their start (王 finds 王芳), which an index answers at a million
    clients; a word inside a name does not match."""
    own = world["clients"]["own"]
    Client.objects.filter(pk=own.pk).update(name="汇金贸易有限公司")
    assert list(Client.objects.search("汇金")) == [own]
    assert list(Client.objects.search("汇金贸易有限公司")) == [own]
    assert not Client.objects.search("贸易").exists()
