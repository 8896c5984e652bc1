"""Every read of notifications, already limited to what the user may see (their own)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from portal.core.permissions import get_visible

from .models import Notification, NotificationSetting


def notification_list(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    qs = Notification.objects.visible_to(user)
    if unread_only:
        qs = qs.unread()
    return qs.select_related("actor").order_by("-created_at", "-id")


def notification_get(*, user, pk) -> Notification:
    """One of the user's notifications; another person's or a missing one is a 404."""
    return get_visible(Notification.objects.visible_to(user).select_related("actor"), pk=pk)


def notification_settings_get(*, user) -> list[dict]:
    """Each registered kind with whether it comes to this user by e-mail."""
    from .services import email_kinds_for, notification_kinds

    setting = NotificationSetting.objects.filter(user_id=user.pk).first()
    chosen = email_kinds_for(setting)
    return [{"key": k.key, "label": k.label, "email": k.key in chosen} for k in notification_kinds()]


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    """Counter `notifications.unread`: unread notifications per person, one grouped query."""
    rows = (
        Notification.objects.filter(recipient_id__in=user_ids, read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    return dict(rows)
