"""Print the demo logins (used by `make run`)."""

from django.core.management.base import BaseCommand

from portal.core.demo import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo company's logins."

    def handle(self, *args, **options):
        from django.contrib.auth import get_user_model

        existing = set(
            get_user_model()
            .objects.filter(email__in=[e for e, _ in DEMO_LOGINS])
            .values_list("email", flat=True)
        )
        if not existing:
            self.stdout.write("  No demo company here: sign in with the administrator you registered.")
            return
        self.stdout.write(f"  Demo logins (password: {DEMO_PASSWORD}):")
        for email, role in DEMO_LOGINS:
            if email in existing:
                self.stdout.write(f"    {email:<28} {role}")
        from django.conf import settings

        from portal.core.registry import registry

        for seeder in registry.demo_seeders:
            for line in seeder.hints(settings.LUMEN_BASE_URL) if seeder.hints is not None else ():
                self.stdout.write(f"  {line}")
