"""`manage.py seed_demo`: the demo company, through the real services; safe to run twice."""

from django.core.management.base import BaseCommand

from portal.core.demo import DEMO_PASSWORD, demo_is_seeded, seed_demo, seed_demo_social


class Command(BaseCommand):
    help = "Create the demo company (about 40 people, 8 departments, groups and projects). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the portal is registered already."
        )

    def handle(self, *args, if_empty=False, **options):
        from portal.core.registry import registry

        if if_empty and any(state.is_registered() for state in registry.portal_state):
            self.stdout.write("The portal is registered already: demo data left as it is.")
            return
        was_seeded = demo_is_seeded()
        seed_demo(stdout=self.stdout)
        seed_demo_social(stdout=self.stdout)
        if not was_seeded:
            self.stdout.write(
                self.style.SUCCESS(f"Demo company ready. Password for every demo login: {DEMO_PASSWORD}")
            )
