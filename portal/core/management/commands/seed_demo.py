"""`manage.py seed_demo`: the demo company, through the real services; safe to run twice."""

from django.core.management.base import BaseCommand

from portal.core.demo import (
    DEMO_LANGUAGES,
    DEMO_PASSWORD,
    demo_is_seeded,
    seed_demo,
    seed_demo_social,
    seeded_demo_language,
)


class Command(BaseCommand):
    help = "Create the demo company (about 40 people, 8 departments, groups and projects). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the portal is registered already."
        )
        parser.add_argument(
            "--language",
            choices=DEMO_LANGUAGES,
            help="The language of the demo's texts and people (default: LANGUAGE_CODE when the demo speaks "
            "it, else English). A demo that is there already keeps its language.",
        )

    def handle(self, *args, if_empty=False, language=None, **options):
        from portal.core.registry import registry

        if if_empty and any(state.is_registered() for state in registry.portal_state):
            self.stdout.write("The portal is registered already: demo data left as it is.")
            return
        was_seeded = demo_is_seeded()
        existing = seeded_demo_language()
        if language and existing and existing != language:
            self.stdout.write(
                self.style.WARNING(
                    f"The demo company is there already in {existing!r}: completing it in that language."
                )
            )
        seed_demo(stdout=self.stdout, language=language)
        seed_demo_social(stdout=self.stdout, language=language)
        if not was_seeded:
            self.stdout.write(
                self.style.SUCCESS(f"Demo company ready. Password for every demo login: {DEMO_PASSWORD}")
            )
