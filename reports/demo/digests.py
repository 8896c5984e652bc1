"""Control digests of the reports demo: today's digests of the CEO and of the head of Sales."""

from __future__ import annotations

from .history import DemoHistory
from .people import DIGEST_RECIPIENTS


class DigestsDemo(DemoHistory):
    """The digest step of the demo."""

    def digests(self) -> list:
        """Today's control digests of the CEO and of the head of Sales (kept; shown on their dashboards)."""
        from .. import services
        from ..choices import DigestKind

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
        return result
