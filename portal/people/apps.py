from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def search_people(*, user, query: str, limit: int) -> list:
    """The people search provider: colleagues `user` may see, matched by name, e-mail and position."""
    from portal.core.search import SearchHit, match_names

    from .models import User

    people = match_names(
        User.objects.visible_to(user).select_related("department"),
        query,
        ["first_name", "last_name", "email", "position"],
    )[:limit]
    return [
        SearchHit(
            kind="people",
            title=person.full_name or person.email,
            url=person.get_absolute_url(),
            snippet=" · ".join(p for p in (person.position, getattr(person.department, "name", "")) if p),
            icon="bi-person",
        )
        for person in people
    ]


def shell_context(request) -> dict:
    """The registered company and the portal's name (its name) for every page."""
    from .selectors import company_get

    company = company_get()
    return {"company": company, "portal_name": company.name if company else "Lumen"}


def company_registered() -> bool:
    """Whether the portal has its company yet (until then every page leads to the registration page)."""
    from .selectors import company_get

    return company_get() is not None


def _home_me(request) -> dict:
    from .selectors import supervisor_of

    return {"supervisor": supervisor_of(request.user)}


def _home_birthdays(request) -> dict:
    from .selectors import birthdays_upcoming

    return {"birthdays": birthdays_upcoming(user=request.user, days=14)[:8]}


def _home_newcomers(request) -> dict:
    from .selectors import people_recently_joined

    return {"newcomers": people_recently_joined(user=request.user)[:6]}


def _home_cards():
    from portal.core.registry import HOME_TOP, HomeCard

    # The greeting heads the page; birthdays and newcomers are "around me", after the person's day.
    return [
        HomeCard("people.me", "people/home/me.html", _home_me, order=0, width="col-12", section=HOME_TOP),
        HomeCard(
            "people.birthdays",
            "people/home/birthdays.html",
            _home_birthdays,
            order=20,
            width="col-12 col-md-6 col-lg-3",
        ),
        HomeCard(
            "people.newcomers",
            "people/home/newcomers.html",
            _home_newcomers,
            order=30,
            width="col-12 col-md-6 col-lg-3",
        ),
    ]


class PeopleConfig(AppConfig):
    name = "portal.people"
    label = "people"
    verbose_name = _("People and company structure")

    def ready(self) -> None:
        from portal.core.registry import DemoSeeder

        from .backends import connect_permission_signals

        connect_permission_signals()
        from portal.core.registry import registry as core_registry

        from .demo import seed_demo_people

        core_registry.demo_seeders.register(DemoSeeder("people", seed_demo_people, order=10, stage="company"))
        from portal.core.registry import NavigationEntry, PortalState, ShellContext, registry
        from portal.core.search import register_search

        registry.shell_context.register(ShellContext("people.company", shell_context, order=10))
        registry.portal_state.register(PortalState("people.company", company_registered, "setup"))
        for card in _home_cards():
            registry.home_cards.register(card)
        registry.navigation.register(
            NavigationEntry(
                "company", _("Company"), "bi-building", "people:directory", order=90, active_by_path=True
            )
        )

        register_search("people", _("People"), search_people, order=10)

        from portal.core.pickers import register_lookup

        from . import lookups

        register_lookup(
            "everyone",
            _("Everyone"),
            search=lookups.everyone_search,
            resolve=lookups.everyone_resolve,
            icon="bi-globe",
            order=10,
        )
        register_lookup(
            "departments",
            _("Departments"),
            search=lookups.departments_search,
            resolve=lookups.departments_resolve,
            icon="bi-diagram-3",
            order=20,
        )
        register_lookup(
            "people",
            _("People"),
            search=lookups.people_search,
            resolve=lookups.people_resolve,
            icon="bi-person",
            order=40,
        )

        from portal.core.visibility import register_department_tree

        from .models import headed_path

        register_department_tree(headed_path=headed_path)

        # Per-day lists of people (birthdays, anniversaries) are cached under a version that any save or
        # delete of a person moves, and the company (on every page) until it is saved or deleted: cache
        # invalidations, not business rules.
        from django.db.models.signals import post_delete, post_save

        from .models import Company, User
        from .selectors import company_changed, people_changed

        post_save.connect(people_changed, sender=User, dispatch_uid="people.daily.saved")
        post_delete.connect(people_changed, sender=User, dispatch_uid="people.daily.deleted")
        post_save.connect(company_changed, sender=Company, dispatch_uid="people.company.saved")
        post_delete.connect(company_changed, sender=Company, dispatch_uid="people.company.deleted")
