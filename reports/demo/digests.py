"""Control digests of the reports demo: today's digests of the CEO and of the head of Sales."""

from __future__ import annotations

from .history import DemoHistory
from .people import DIGEST_RECIPIENTS


class DigestsDemo(DemoHistory):
    """The digest step of the demo."""

    def digests(self) -> list:
        """Today's control digests of the CEO and of the head of Sales (kept; shown on their dashboards), and
        mailed as the beat's sweep mails the digests it builds: a job after commit, which the worker of
        `make run` sends into var/mail/. The sweep builds only digests that do not exist yet, so without this
        the demo's would never reach a mailbox."""
        from django.db import transaction

        from .. import services
        from ..choices import DigestKind
        from ..jobs import digest_send_job

        result = []
        for local in DIGEST_RECIPIENTS:
            person = self.who(local)
            if person is None:
                continue
            digest = services.digest_build(
                recipient=person, kind=DigestKind.SUPERVISOR, date=self.today(person), now=self.now
            )
            if digest is not None:
                result.append(digest)
                if digest.sent_at is None:
                    transaction.on_commit(lambda pk=digest.pk: digest_send_job.delay(pk))
        return result
