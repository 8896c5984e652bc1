"""Reads of the company, its structure and its people; everything here is already permission-filtered."""

from __future__ import annotations

from .models import Company


def company_get() -> Company | None:
    """The registered company, or None before the portal is registered."""
    return Company.objects.order_by("id").first()
