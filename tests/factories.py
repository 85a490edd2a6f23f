import datetime

import factory
from django.contrib.auth import get_user_model

from clients import pii
from clients.models import Branch, Client, StaffProfile
from clients.roles import Role
from clients.services import staff_profile_save

PASSWORD = "test-password-123"


def valid_id_card(first_17: str = "11010519491231002") -> str:
    return first_17 + pii.id_card_check_character(first_17)


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    code = factory.Sequence(lambda n: f"B{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}营业部")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def make_staff(role: str, branch: Branch | None, code: str | None = None) -> StaffProfile:
    user = UserFactory()
    return staff_profile_save(StaffProfile(user=user, role=role, branch=branch, staff_code=code or user.username,
                                           full_name=f"{role} {user.username}"))


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True

    account_no = factory.Sequence(lambda n: f"{90000000 + n}")
    name = factory.Sequence(lambda n: f"客户{n}")
    client_type = Client.ClientType.INDIVIDUAL
    branch = factory.SubFactory(BranchFactory)
    opened_on = datetime.date(2024, 3, 1)
    id_type = Client.IdType.ID_CARD

    @factory.post_generation
    def personal_data(obj, create, extracted, **kwargs):  # noqa: N805
        obj.set_phone(kwargs.get("phone", f"1380013{obj.account_no[-4:]}"))
        obj.set_id_number(kwargs.get("id_number", valid_id_card()))
        if create:
            obj.save()


__all__ = ["BranchFactory", "ClientFactory", "Role", "UserFactory", "make_staff", "valid_id_card", "PASSWORD"]
