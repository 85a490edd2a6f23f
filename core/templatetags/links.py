"""`{% may_open task.link as open %}`: a stored link is shown as a link only to who may follow it (issue 36)."""

from django import template

from core.admin_links import may_open as _may_open

register = template.Library()


@register.simple_tag(takes_context=True)
def may_open(context, path) -> bool:
    return bool(path) and _may_open(context["request"], path)
