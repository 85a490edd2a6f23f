"""What every page staff work in says (issue 16 item 4): the calendar warnings C2 and C4 (settlement/calendar.py),
in the banner of templates/admin/base_site.html, one query per page."""

from clients.scoping import sees_everything
from settlement.calendar import calendar_warnings


def calendar(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    warnings = calendar_warnings()
    return {"calendar_warnings": warnings, "calendar_warnings_actionable": bool(warnings) and sees_everything(user)}
