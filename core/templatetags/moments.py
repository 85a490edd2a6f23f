"""`{{ alert.due_at|deadline }}` and `{{ record.at|moment }}`: core.dates' one format for people (issue 36)."""

from django import template

from core.dates import deadline_text, moment_text

register = template.Library()
register.filter("moment", moment_text)
register.filter("deadline", deadline_text)
