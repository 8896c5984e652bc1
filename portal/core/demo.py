"""The demo company: a believable firm seeded by `manage.py seed_demo` through the real services.

Core names no app: each app registers its part as a `DemoSeeder` in its `AppConfig.ready()`. The `company`
stage (people, departments, groups) runs first in one transaction; the `content` stage (stream, chats,
notifications, tasks, working days and reports) runs after it committed, because those services schedule
jobs on commit. Every seeder looks for what already exists first, so a second run adds nothing.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from portal.core.registry import registry

DEMO_PASSWORD = "lumen-demo"
DEMO_DOMAIN = "demo.lumen"
DEMO_LOGINS = [
    (f"admin@{DEMO_DOMAIN}", "portal admin"),
    (f"ceo@{DEMO_DOMAIN}", "CEO, head of the company"),
    (f"sales.head@{DEMO_DOMAIN}", "head of Sales (a supervisor)"),
    (f"sales.manager@{DEMO_DOMAIN}", "sales manager (an employee)"),
]


def demo_email(local: str) -> str:
    """The demo address of a local part (`ceo` -> `ceo@demo.lumen`)."""
    return f"{local}@{DEMO_DOMAIN}"


def demo_is_seeded() -> bool:
    return get_user_model().objects.filter(email=demo_email("admin")).exists()


def _seeders(stage: str):
    return [seeder for seeder in registry.demo_seeders if seeder.stage == stage]


@transaction.atomic
def seed_demo(*, stdout=None) -> dict[str, int]:
    """Create (or complete) the demo company: the `company` stage seeders. Returns how many of each thing
    were created."""
    created: dict[str, int] = {}
    for seeder in _seeders("company"):
        created.update(seeder.func(stdout=stdout) or {})
    if stdout is not None:
        stdout.write(", ".join(f"{v} {k}" for k, v in created.items()) + " created.")
    return created


def seed_demo_social(*, stdout=None) -> None:
    """The talking part of the demo (the `content` stage seeders, each idempotent). Runs after `seed_demo`
    has committed."""
    for seeder in _seeders("content"):
        seeder.func(stdout=stdout)
