from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clients.models import StaffProfile
from clients.roles import Role
from clients.services import staff_profile_save
from settlement.models import ApiToken
from settlement.services import api_token_issue

SETTLEMENT_USER = "settlement-system"


class Command(BaseCommand):
    help = ("Issue a bearer token for another system. Prints the token alone on the last line; only its hash is "
            "kept. A token acts as --user (crm:read answers are scoped to that user); settlement:write tokens "
            "default to the settlement-system user.")

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scope", action="append", required=True, choices=ApiToken.Scope.values)
        parser.add_argument("--user", help="username the token acts as")

    @transaction.atomic
    def handle(self, *args, name, scope, user, **options):
        if ApiToken.objects.filter(name=name).exists():
            raise CommandError(f"A token named {name!r} exists already.")
        if user:
            acting = get_user_model().objects.filter(username=user).first()
            if acting is None:
                raise CommandError(f"No user {user!r}.")
        elif ApiToken.Scope.CRM_READ in scope:
            raise CommandError("A crm:read token needs --user: its answers are scoped to what that user may see.")
        else:
            acting = _settlement_user()
        _record, token = api_token_issue(name=name, scopes=scope, user=acting)
        self.stdout.write(f"Token {name!r} ({', '.join(sorted(set(scope)))}) acting as {acting.username}:")
        self.stdout.write(token)


def _settlement_user():
    user, created = get_user_model().objects.get_or_create(username=SETTLEMENT_USER)
    if created:
        user.set_unusable_password()
        user.save()
        staff_profile_save(StaffProfile(user=user, role=Role.SETTLEMENT_SYSTEM, staff_code="SETTLEMENT",
                                        full_name="结算系统"))
    return user
