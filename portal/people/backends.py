"""The sign-in backend of people: Django's ModelBackend, reading the signed-in person with what every
request's visibility rules need.

Each request loads its person once (`get_user`). The rules of visibility that follow the department tree
also need the path of the department the person heads (`headed_path`), which used to cost a second query
on almost every page. Here it comes in the same row, as a subquery, and is memoised on the user object
where `headed_path` looks for it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db.models import OuterRef, Subquery

from .models import Department

PATH = "portal.people.backends.PersonBackend"


class PersonBackend(ModelBackend):
    def get_user(self, user_id):
        headed = Department.objects.filter(head_id=OuterRef("pk")).order_by("path").values("path")[:1]
        user = (
            get_user_model()
            ._default_manager.annotate(lumen_headed_path=Subquery(headed))
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user._lumen_headed_path = user.__dict__.pop("lumen_headed_path")
        return user

    # --- a person's model permissions, cached between requests ---------------------------------------------
    # `user.has_perm(...)` (the visibility rules' "sees everything" roles ask it on most pages) cost two queries
    # per request: the person's own permissions and their groups'. They change rarely (an admin's edit), so
    # they are kept in the cache, read with one round trip, and dropped all at once by a version that every
    # change of a permission, a group or a person's groups bumps (`permissions_changed`).

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous or not _cache_is_shared():
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            stamp = _permissions_stamp(user_obj)
            key = PERMISSIONS_KEY.format(pk=user_obj.pk)
            found = cache.get_many([PERMISSIONS_VERSION_KEY, key])
            version = found.get(PERMISSIONS_VERSION_KEY, 0)
            cached = found.get(key)
            if cached and cached[0] == version and cached[1] == stamp:
                user_obj._perm_cache = set(cached[2])
            else:
                permissions = super().get_all_permissions(user_obj)
                cache.set(key, (version, stamp, sorted(permissions)), PERMISSIONS_TTL)
        return user_obj._perm_cache


PERMISSIONS_VERSION_KEY = "people:permissions:version"
PERMISSIONS_KEY = "people:permissions:{pk}"
PERMISSIONS_TTL = 60 * 60 * 24


def _cache_is_shared() -> bool:
    """Only a cache every process reads (Redis) can hold permissions: with the embedded mode's per-process
    memory, a grant made in the web process would stay unseen by the worker's copy."""
    from django.conf import settings

    return not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def _permissions_stamp(user) -> str:
    """What tells this person's row from another that reused its id (a test database rolled back), and a
    superuser (who holds every permission) from the same person before."""
    joined = user.date_joined.isoformat() if getattr(user, "date_joined", None) else ""
    return f"{user.pk}:{joined}:{int(bool(user.is_superuser))}"


def permissions_changed(**_kwargs) -> None:
    """Every person's cached permissions are stale: a permission, a group's permissions or someone's groups
    changed (connected in PeopleConfig.ready)."""
    try:
        cache.incr(PERMISSIONS_VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        cache.set(PERMISSIONS_VERSION_KEY, 1, None)


def connect_permission_signals() -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete, post_save

    User = get_user_model()  # noqa: N806
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(permissions_changed, sender=through, dispatch_uid=f"perms:{through._meta.label}")
    for model in (Group, Permission):
        post_save.connect(permissions_changed, sender=model, dispatch_uid=f"perms-save:{model._meta.label}")
        post_delete.connect(permissions_changed, sender=model, dispatch_uid=f"perms-del:{model._meta.label}")
