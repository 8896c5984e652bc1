from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def search_groups(*, user, query: str, limit: int):
    """Groups the user may see whose name or description matches, best first."""
    from django.utils.translation import gettext

    from portal.core.search import SearchHit, match_names

    from .models import Workgroup

    qs = match_names(Workgroup.objects.visible_to(user), query, ["name", "description"])
    hits = []
    for group in qs.only("id", "name", "kind", "members_count")[:limit]:
        members = gettext("%(count)d members") % {"count": group.members_count}
        hits.append(
            SearchHit(
                kind="groups",
                title=group.name,
                url=group.get_absolute_url(),
                snippet=f"{group.get_kind_display()} · {members}",
                icon="bi-people",
                extra={"id": group.pk, "kind": group.kind, "members_count": group.members_count},
            )
        )
    return hits


class GroupsConfig(AppConfig):
    name = "portal.groups"
    label = "workgroups"
    verbose_name = _("Workgroups and projects")

    def ready(self) -> None:
        from portal.core.search import register_search

        register_search("groups", _("Groups"), search_groups, order=20)
