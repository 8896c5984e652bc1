"""`manage.py register_portal`: register the company, its root department and the first administrator.

Non-interactive with options (the password from --password, --password-file or LUMEN_ADMIN_PASSWORD),
interactive otherwise (prompts; the password through getpass, twice). Both go through
`services.company_register`, exactly as the /setup/ page does.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

PASSWORD_ENV = "LUMEN_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = "Register the portal: the company, its root department and the first administrator."

    def add_arguments(self, parser):
        parser.add_argument("--company", help="The company's name.")
        parser.add_argument("--email", help="The first administrator's e-mail address (the login).")
        parser.add_argument("--first-name", dest="first_name", help="The administrator's first name.")
        parser.add_argument(
            "--last-name", dest="last_name", default=None, help="The administrator's last name."
        )
        parser.add_argument("--password", help=f"The password (prefer --password-file or ${PASSWORD_ENV}).")
        parser.add_argument("--password-file", dest="password_file", help="Read the password from this file.")
        parser.add_argument("--time-zone", dest="time_zone", default=None, help="e.g. Europe/Berlin (UTC).")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never prompt: fail when something is missing.",
        )

    def handle(self, *args, **options):
        from portal.people import services
        from portal.people.models import Company

        if Company.objects.exists():
            raise CommandError("This portal is registered already.")
        interactive = options["interactive"]
        values = {
            "company_name": options["company"],
            "email": options["email"],
            "first_name": options["first_name"],
            "last_name": options["last_name"],
            "time_zone": options["time_zone"],
        }
        password = self._password(options)
        if interactive:
            try:
                values = self._prompt(values)
                if password is None:
                    password = self._prompt_password()
            except (EOFError, KeyboardInterrupt) as exc:
                raise CommandError("Registration cancelled: nothing was created.") from exc
        missing = [
            f"--{name}"
            for name, key in (("company", "company_name"), ("email", "email"), ("first-name", "first_name"))
            if not (values[key] or "").strip()
        ]
        if password is None:
            missing.append(f"--password, --password-file or ${PASSWORD_ENV}")
        if missing:
            raise CommandError("Missing: " + ", ".join(missing) + ".")
        try:
            admin = services.company_register(
                company_name=values["company_name"],
                email=values["email"],
                password=password,
                first_name=values["first_name"],
                last_name=values["last_name"] or "",
                time_zone=values["time_zone"] or "UTC",
            )
        except ValidationError as exc:
            raise CommandError(self._describe(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Registered {values['company_name'].strip()}; administrator: {admin.email}.")
        )

    # --- input ------------------------------------------------------------------------------------

    def _password(self, options) -> str | None:
        if options["password"]:
            return options["password"]
        if options["password_file"]:
            try:
                return Path(options["password_file"]).read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise CommandError(f"Cannot read the password file: {exc.strerror}.") from exc
        return os.environ.get(PASSWORD_ENV) or None

    def _prompt(self, values: dict) -> dict:
        labels = {
            "company_name": "Company name",
            "email": "Administrator's e-mail",
            "first_name": "First name",
            "last_name": "Last name",
            "time_zone": "Time zone [UTC]",
        }
        for key, label in labels.items():
            while values[key] is None or (key in ("company_name", "email", "first_name") and not values[key]):
                values[key] = input(f"{label}: ").strip()
                if key in ("last_name", "time_zone"):
                    break
        return values

    def _prompt_password(self) -> str:
        while True:
            first = getpass.getpass("Password: ")
            if first and first == getpass.getpass("Password (again): "):
                return first
            self.stderr.write("The passwords are empty or differ; try again.")

    @staticmethod
    def _describe(exc: ValidationError) -> str:
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
        return " ".join(exc.messages)
