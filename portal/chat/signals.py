"""Receivers connected in ChatConfig.ready(): a workgroup's chat follows the group's members.

They only forward to services (the groups app knows nothing about chats).
"""

from __future__ import annotations

from django.db import transaction


def workgroup_membership_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        from .services import workgroup_member_joined

        group_id, user_id = instance.group_id, instance.user_id
        transaction.on_commit(lambda: workgroup_member_joined(group_id=group_id, user_id=user_id))


def workgroup_membership_deleted(sender, instance, **kwargs) -> None:
    from .services import workgroup_member_left

    group_id, user_id = instance.group_id, instance.user_id
    transaction.on_commit(lambda: workgroup_member_left(group_id=group_id, user_id=user_id))
