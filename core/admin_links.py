"""A link on a related record only where its reader may follow it (issue 36). Django's admin links every related
record shown read-only (the author of a publication, the policy that graded a client) to its change page whoever
reads it, and most roles then met a 403. Here the link is kept when the reader may view that record, within the
rows their role sees (O); otherwise the record's name is shown as text. Installed by CoreConfig.ready()."""

from urllib.parse import urlsplit

from django.contrib import admin
from django.contrib.admin import helpers
from django.urls import Resolver404, resolve

from core.middleware import reader

_django_admin_url = helpers.AdminReadonlyField.get_admin_url


def readable_admin_url(field, remote_field, remote_obj):
    request = reader.get()
    model_admin = field.model_admin.admin_site._registry.get(remote_field.model)
    if request is None or model_admin is None or not model_admin.has_view_permission(request, remote_obj) or not (
            model_admin.get_queryset(request).filter(pk=remote_obj.pk).exists()):
        return str(remote_obj)
    return _django_admin_url(field, remote_field, remote_obj)


def install() -> None:
    helpers.AdminReadonlyField.get_admin_url = readable_admin_url


def may_open(request, path: str) -> bool:
    """Whether the reader may open an admin page this site links to (a stored link, such as a follow-up task's):
    the page's model admin must let them view. Other pages of the site check their reader themselves."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return False
    if match.namespace != "admin" or not match.url_name:
        return True
    for model, model_admin in admin.site._registry.items():
        base = f"{model._meta.app_label}_{model._meta.model_name}"
        if match.url_name.startswith(base + "_"):
            return model_admin.has_view_permission(request)
    return True
