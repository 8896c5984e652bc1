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


class PeopleConfig(AppConfig):
    name = "portal.people"
    label = "people"
    verbose_name = _("People and company structure")

    def ready(self) -> None:
        from portal.core.search import register_search

        register_search("people", _("People"), search_people, order=10)
