"""The spaces a portal has from the start: "Rules" (the rules of work everyone must have read) and "Strategy".

Laid after `migrate` (and `flush`) when someone can answer for them, and again when the knowledge base's home
is opened on a portal that has none yet (a fresh portal has nobody right after its first migrate). Their
responsible editor is the first portal admin (else the first person); both are read by every employee and
edited by their administrators. A built-in space cannot be deleted (it has a key); renamed, it keeps its key.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from ..choices import EveryoneAccess, PageLanguage, SpaceKind
from ..models import Space

BUILTIN = (
    (
        "rules",
        gettext_noop("Rules"),
        gettext_noop("The rules of work: short, logical and fair. Everyone reads them."),
        "bi-shield-check",
    ),
    (
        "strategy",
        gettext_noop("Strategy"),
        gettext_noop("Where the company is going: strategy, market, key customers, glossary."),
        "bi-bullseye",
    ),
)


def _responsible(using: str):
    people = get_user_model()._default_manager.db_manager(using).filter(is_active=True)
    return (
        people.filter(Q(is_superuser=True) | Q(is_staff=True)).order_by("pk").first()
        or people.order_by("pk").first()
    )


def defaults_missing(using: str = "default") -> bool:
    return Space.objects.using(using).filter(key__in=[key for key, *_rest in BUILTIN]).count() < len(BUILTIN)


def defaults_ensure(*, using: str = "default", language: str | None = None) -> list[Space]:
    """Make the built-in spaces that are missing (none when nobody works here yet). Returns those made."""
    responsible = _responsible(using)
    if responsible is None:
        return []
    from django.conf import settings

    language = language or settings.LANGUAGE_CODE
    made = []
    with transaction.atomic(using=using), override(language):
        existing = set(
            Space.objects.using(using).filter(key__in=[b[0] for b in BUILTIN]).values_list("key", flat=True)
        )
        for key, title, description, icon in BUILTIN:
            if key in existing:
                continue
            made.append(
                Space.objects.using(using).create(
                    key=key,
                    kind=SpaceKind.COMPANY,
                    title=_(title),
                    description=_(description),
                    icon=icon,
                    responsible=responsible,
                    everyone_access=EveryoneAccess.READ,
                    language=PageLanguage.RUSSIAN if language.startswith("ru") else PageLanguage.ENGLISH,
                )
            )
    return made
