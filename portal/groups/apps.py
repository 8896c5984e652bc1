from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def search_groups(*, user, query: str, limit: int):
    """Groups the user may see whose name or description matches, best first."""
    from django.utils.translation import ngettext

    from portal.core.search import SearchHit, match_names

    from .models import Workgroup

    qs = match_names(Workgroup.objects.visible_to(user), query, ["name", "description"])
    hits = []
    for group in qs.only("id", "name", "kind", "members_count")[:limit]:
        members = ngettext("%(count)d member", "%(count)d members", group.members_count) % {
            "count": group.members_count
        }
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


def _home_groups(request) -> dict:
    from .selectors import group_list_of_member

    return {"my_groups": group_list_of_member(user=request.user)[:8]}


def _profile_groups(request, person) -> dict:
    from .models import Workgroup

    groups = Workgroup.objects.visible_to(request.user).filter(memberships__user=person).distinct()
    return {"groups": groups}


class GroupsConfig(AppConfig):
    name = "portal.groups"
    label = "workgroups"
    verbose_name = _("Workgroups and projects")

    def ready(self) -> None:
        from portal.core.registry import DemoSeeder, HomeCard, ProfileSection
        from portal.core.registry import registry as core_registry

        from .demo import seed_demo_groups

        core_registry.home_cards.register(
            HomeCard("groups.mine", "groups/home/mine.html", _home_groups, order=10)
        )
        core_registry.profile_sections.register(
            ProfileSection("groups.of_person", "groups/profile/groups.html", _profile_groups, order=10)
        )
        core_registry.demo_seeders.register(DemoSeeder("groups", seed_demo_groups, order=20, stage="company"))
        from portal.core.registry import NavigationEntry, registry
        from portal.core.search import register_search

        registry.navigation.register(
            NavigationEntry("groups", _("Groups"), "bi-people", "groups:list", order=80, active_by_path=True)
        )

        register_search("groups", _("Groups"), search_groups, order=20)

        from portal.core.pickers import register_lookup

        from . import lookups

        register_lookup(
            "groups",
            _("Groups"),
            search=lookups.groups_search,
            resolve=lookups.groups_resolve,
            icon="bi-people",
            order=30,
        )

        from portal.core.visibility import register_memberships

        from .models import Membership

        register_memberships(memberships=lambda user: Membership.objects.filter(user=user))
