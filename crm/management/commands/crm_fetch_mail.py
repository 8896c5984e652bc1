"""Read the CRM's mailboxes now (all active ones, or one), as the beat job does every two minutes."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from crm.models import Mailbox
from crm.services import mailboxes


class Command(BaseCommand):
    help = "Fetch new e-mail of the CRM's mailboxes into activities and leads."

    def add_arguments(self, parser):
        parser.add_argument(
            "--mailbox", type=int, help="Only this mailbox (by id), even when it is switched off."
        )

    def handle(self, *args, **options):
        ids = None
        if options.get("mailbox") is not None:
            if not Mailbox.objects.filter(pk=options["mailbox"]).exists():
                raise CommandError(f"No mailbox with id {options['mailbox']}.")
            ids = [options["mailbox"]]
        failed = 0
        for summary in mailboxes.mailboxes_fetch(mailbox_ids=ids):
            line = (
                f"mailbox {summary.mailbox_id}: {summary.read} read, {summary.taken} taken, "
                f"{summary.leads} new leads"
            )
            if summary.error:
                failed += 1
                self.stderr.write(f"{line}; error: {summary.error}")
            else:
                self.stdout.write(line)
        if failed:
            raise CommandError(f"{failed} mailbox(es) failed.")
