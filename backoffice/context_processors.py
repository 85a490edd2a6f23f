"""What every page staff work in says (issue 16 item 4): the calendar warnings C2 and C4 (settlement/calendar.py),
in the banner of templates/admin/base_site.html for who can act on them, one line on dashboards for the others."""

from settlement.calendar import calendar_warnings


def staff_page(request):
    """The header's user tools on the site's own pages outside the admin's views (the refusal and not-found pages,
    issue 36): the admin's views say `has_permission` themselves."""
    user = getattr(request, "user", None)
    return {"has_permission": bool(user and user.is_active and user.is_staff)}


def calendar(request):
    """The banner is for those who can act on it (head office imports the calendar); the others read one line on the
    dashboards, whose figures it concerns (issue 36 item 5)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    if user.has_perm("settlement.change_tradingday"):  # C3's import of the holiday notice
        return {"calendar_warnings": calendar_warnings(), "calendar_warnings_actionable": True}
    if request.path.startswith("/dashboard/"):
        warnings = calendar_warnings()
        return {"calendar_line": bool(warnings) and warnings}
    return {}
