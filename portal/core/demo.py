"""The demo company: a believable firm seeded by `manage.py seed_demo` through the real services.

Core names no app: each app registers its part as a `DemoSeeder` in its `AppConfig.ready()`. The `company`
stage (people, departments, groups) runs first in one transaction; the `content` stage (stream, chats,
notifications, tasks, working days and reports) runs after it committed, because those services schedule
jobs on commit. Every seeder looks for what already exists first, so a second run adds nothing.

The demo speaks English or Russian (`seed_demo --language ru`): the seeders run inside `demo_speaking()`,
which activates the language (so what the services write, such as positions, speaks it too), and each seeder
picks its texts from per-language tables with `in_demo_language()`. The logins stay the same in every
language.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation

from portal.core.registry import registry

T = TypeVar("T")

DEMO_PASSWORD = "lumen-demo"
DEMO_DOMAIN = "demo.lumen"
DEMO_LOGINS = [
    (f"admin@{DEMO_DOMAIN}", "portal admin"),
    (f"ceo@{DEMO_DOMAIN}", "CEO, head of the company"),
    (f"sales.head@{DEMO_DOMAIN}", "head of Sales (a supervisor)"),
    (f"sales.manager@{DEMO_DOMAIN}", "sales manager (an employee)"),
]


# The languages the demo's texts are written in; English is the default.
DEMO_LANGUAGES = ("en", "ru")
_speaking: ContextVar[str | None] = ContextVar("demo_language", default=None)


def demo_email(local: str) -> str:
    """The demo address of a local part (`ceo` -> `ceo@demo.lumen`)."""
    return f"{local}@{DEMO_DOMAIN}"


def demo_is_seeded() -> bool:
    return get_user_model().objects.filter(email=demo_email("admin")).exists()


def demo_language() -> str:
    """The language the demo is being seeded in: the one `demo_speaking()` set, else the active language when
    the demo speaks it, else English."""
    language = _speaking.get() or (translation.get_language() or "").split("-")[0]
    return language if language in DEMO_LANGUAGES else DEMO_LANGUAGES[0]


def in_demo_language(table: Mapping[str, T]) -> T:
    """The entry of a per-language table (`{"en": ..., "ru": ...}`) for the language the demo speaks."""
    return table[demo_language()]


def seeded_demo_language() -> str | None:
    """The language of the demo company that is there (its admin's), or None when there is none."""
    admin = get_user_model().objects.filter(email=demo_email("admin")).only("language").first()
    if admin is None:
        return None
    return admin.language if admin.language in DEMO_LANGUAGES else DEMO_LANGUAGES[0]


def demo_language_for(requested: str | None = None) -> str:
    """The language to seed in: the existing demo's (a second run completes it, never mixes languages), else
    the requested one, else the portal's default (`LANGUAGE_CODE`) when the demo speaks it, else English."""
    language = seeded_demo_language() or requested or settings.LANGUAGE_CODE.split("-")[0]
    if language not in DEMO_LANGUAGES:
        if requested:
            raise ValueError(f"The demo speaks {', '.join(DEMO_LANGUAGES)}, not {requested!r}.")
        language = DEMO_LANGUAGES[0]
    return language


@contextlib.contextmanager
def demo_speaking(language: str | None) -> Iterator[str]:
    """Seed in `language` (None: as `demo_language_for` decides): the demo's texts and the active language."""
    language = demo_language_for(language)
    token = _speaking.set(language)
    try:
        with translation.override(language):
            yield language
    finally:
        _speaking.reset(token)


def _seeders(stage: str):
    return [seeder for seeder in registry.demo_seeders if seeder.stage == stage]


def seed_demo(*, stdout=None, language: str | None = None) -> dict[str, int]:
    """Create (or complete) the demo company: the `company` stage seeders, in `language` (see
    `demo_language_for`). Returns how many of each thing were created."""
    with demo_speaking(language), transaction.atomic():
        created: dict[str, int] = {}
        for seeder in _seeders("company"):
            created.update(seeder.func(stdout=stdout) or {})
    if stdout is not None:
        stdout.write(", ".join(f"{v} {k}" for k, v in created.items()) + " created.")
    return created


def seed_demo_social(*, stdout=None, language: str | None = None) -> None:
    """The talking part of the demo (the `content` stage seeders, each idempotent), in the demo company's
    language. Runs after `seed_demo` has committed."""
    with demo_speaking(language):
        for seeder in _seeders("content"):
            seeder.func(stdout=stdout)
