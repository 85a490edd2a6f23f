"""What a person reads, wherever it is shown (issue 36): one format for moments, deadlines as the end of the day
they fall on, a refusal that is a page of the site in Chinese, and a link on a related record only where its reader
may follow it."""

import datetime

from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from core.dates import deadline_text, moment_text
from research.models import Publication
from tests.factories import make_staff
from tests.fixtures.pages import visible_text
from tests.fixtures.research import approved


def local(*parts) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*parts))


def test_a_deadline_at_midnight_reads_as_the_end_of_the_day_before():
    assert deadline_text(local(2026, 12, 9, 0, 0)) == "2026-12-08 23:59"
    assert deadline_text(local(2026, 12, 9, 0, 1)) == "2026-12-09 00:01"  # a minute later: that day
    assert deadline_text(local(2026, 12, 8, 23, 59)) == "2026-12-08 23:59"
    assert deadline_text(None) == "—"


def test_moments_read_in_local_time_in_one_format():
    assert moment_text(datetime.datetime(2026, 12, 7, 15, 48, tzinfo=datetime.UTC)) == "2026-12-07 23:48"
    rendered = Template("{% load moments %}{{ at|moment }} {{ at|deadline }} {{ day|date }} "
                        "{{ at|date:'DATETIME_FORMAT' }}")
    text = rendered.render(Context({"at": local(2026, 12, 8, 0, 0), "day": datetime.date(2026, 12, 7)}))
    assert text == "2026-12-08 00:00 2026-12-07 23:59 2026-12-07 2026-12-08 00:00"


def test_a_refusal_is_a_page_of_the_site_in_chinese(world, login):
    response = login(world["staff"][Role.ADVISOR]).get(reverse("service-kpis"))
    assert response.status_code == 403
    page = response.content.decode()
    text = visible_text(page)
    assert "您无权打开此页面" in text and "Forbidden" not in text
    assert 'id="header"' in page and reverse("admin:index") in page  # the site's header and the way back


def test_a_missing_page_is_a_page_of_the_site_in_chinese(world, login):
    response = login(world["staff"][Role.ADVISOR]).get("/no-such-page/")
    assert response.status_code == 404
    assert "此页面不存在" in visible_text(response.content.decode())


def test_a_person_is_shown_by_name_and_linked_only_for_who_may_open_them(world, login):
    """The publication's author as an advisor reads it: the analyst's name, no link to a user page they may not open
    (it answered 403); head office may open it and has the link."""
    world["analyst"] = make_staff(Role.ANALYST, None, "RES1")
    world["compliance"] = make_staff(Role.COMPLIANCE, None, "CMP1")
    publication = approved(world)
    author = Publication.objects.get(pk=publication.pk).author
    page = reverse("admin:research_publication_change", args=[publication.pk])
    user_page = reverse("admin:auth_user_change", args=[author.pk])
    as_advisor = login(world["staff"][Role.ADVISOR]).get(page).content.decode()
    assert world["analyst"].full_name in visible_text(as_advisor)
    assert author.username not in visible_text(as_advisor)
    assert user_page not in as_advisor
    admin = make_staff(Role.HEAD_OFFICE, None, "HQ9").user
    admin.is_superuser = True
    admin.save()
    assert user_page in login(admin.staff_profile).get(page).content.decode()


def test_the_admins_two_list_picker_speaks_chinese(world, login):
    """Issue 36: "Choose 品种 by selecting them / Choose all / Remove all" on the publication form; the admin's
    JavaScript catalogue lacked the strings of Django 5.2's picker (locale/zh_Hans/LC_MESSAGES/djangojs.po)."""
    catalogue = login(world["staff"][Role.ADVISOR]).get(reverse("admin:jsi18n")).content.decode()
    for chinese in ("全选%s", "全部移除%s", "在左侧选中%s"):
        assert chinese.encode("unicode_escape").decode() in catalogue or chinese in catalogue, chinese
