"""The built-ins every portal starts with: absence types, process roles and the five process templates
(leave request, outgoing payment, contract approval, expense report, business trip), named in the portal's
language; laid on post_migrate (and after flush), never overwriting what admins changed."""

from __future__ import annotations


def defaults_ensure(*, using: str = "default") -> None:
    """Create the missing built-ins (idempotent)."""
