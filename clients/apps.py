from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, apps, using, **kwargs) -> None:
    # Local: roles imports the models' permission names, read once the apps are ready.
    from clients.roles import sync_role_groups

    sync_role_groups(apps, using=using)


def person_name(user) -> str:
    """How staff see a colleague (issue 36): the full name of the staff profile (kept on the user as first_name by
    clients.services.staff_profile_save), never the login name, except for an account that has no name (the
    superuser made by `createsuperuser`)."""
    return user.get_full_name() or user.get_username()


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Client records")

    def ready(self) -> None:
        # Domain O: the role groups hold exactly clients/roles.py's permissions after every migrate (and after the
        # flush of a transactional test), never what a migration of the past said.
        post_migrate.connect(_sync_role_groups, sender=self, dispatch_uid="clients.sync_role_groups")
        # Every place that shows a user (a publication's author, a review's reviewer, a list's column) shows a name.
        get_user_model().__str__ = person_name
