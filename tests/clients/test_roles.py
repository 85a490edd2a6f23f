"""Domain O roles: the groups created by migrations hold exactly clients/roles.py's permissions."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from clients.models import StaffProfile
from clients.roles import ROLE_PERMISSIONS, STAFF_ROLES, Role
from clients.services import staff_profile_save
from tests.factories import BranchFactory, UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_group_permissions_match_the_role_table(role):
    group = Group.objects.get(name=role)
    held = {f"{app}.{codename}" for app, codename in
            group.permissions.values_list("content_type__app_label", "codename")}
    assert held == set(ROLE_PERMISSIONS[role])


@pytest.mark.django_db
def test_changing_a_role_moves_the_user_between_groups_and_admin_access():
    profile = staff_profile_save(StaffProfile(user=UserFactory(), role=Role.ADVISOR, branch=BranchFactory(),
                                              staff_code="X1", full_name="甲"))
    assert profile.user.is_staff
    assert profile.user.has_perm("clients.reveal_phone")
    profile.role = Role.SETTLEMENT_SYSTEM
    staff_profile_save(profile)
    user = type(profile.user).objects.get(pk=profile.user.pk)
    assert list(user.groups.values_list("name", flat=True)) == ["settlement_system"]
    assert not user.is_staff and Role.SETTLEMENT_SYSTEM not in STAFF_ROLES
    assert not user.has_perm("clients.reveal_phone")


@pytest.mark.django_db
def test_staff_outside_head_office_need_a_branch():

    with pytest.raises(ValidationError):
        staff_profile_save(StaffProfile(user=UserFactory(), role=Role.ADVISOR, branch=None, staff_code="X2",
                                        full_name="乙"))
