"""Reading web forms: the CRM administrator's list and one form; the public form by its token."""

from __future__ import annotations

from portal.core.errors import NotFound

from .. import rights
from ..models import WebForm


def webform_list(*, user):
    """Every web form, for a CRM administrator (nobody else reads them)."""
    if not rights.is_crm_admin(user):
        raise NotFound()
    return WebForm.objects.select_related("responsible", "pipeline").order_by("name", "id")


def webform_get(*, user, pk: int) -> WebForm:
    if not rights.is_crm_admin(user):
        raise NotFound()
    try:
        return WebForm.objects.select_related("responsible", "pipeline").get(pk=pk)
    except (WebForm.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def webform_public_get(*, token) -> WebForm:
    """An active form by its public token; an inactive or unknown one is `NotFound`."""
    try:
        return WebForm.objects.get(token=token, is_active=True)
    except (WebForm.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
