from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, apps, using, **kwargs) -> None:
    # Local: roles imports the models' permission names, read once the apps are ready.
    from clients.roles import sync_role_groups

    sync_role_groups(apps, using=using)


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Client records")

    def ready(self) -> None:
        # Domain O: the role groups hold exactly clients/roles.py's permissions after every migrate (and after the
        # flush of a transactional test), never what a migration of the past said.
        post_migrate.connect(_sync_role_groups, sender=self, dispatch_uid="clients.sync_role_groups")
