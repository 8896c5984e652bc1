"""Every write to the company, its structure, its people and invitations, one module per subject.

Services are keyword-only, atomic and validating; they write an audit row inside the action and schedule
mail after commit. Pages, the API, admin actions and commands call them; nobody else saves these models.
The names below are the public ones: `from portal.people.services import x` and `services.x(...)` reach
them wherever they live.
"""

from __future__ import annotations

from .company import company_register, company_update
from .departments import (
    department_create,
    department_delete,
    department_move,
    department_set_head,
    department_update,
    departments_recount,
)
from .invitations import (
    INVITATION_SALT,
    invitation_accept,
    invitation_from_token,
    invitation_resend,
    invitation_revoke,
    invitation_send,
    invitation_token,
    invitation_url,
    parse_emails,
)
from .people import (
    ADMIN_EDITABLE_FIELDS,
    SELF_EDITABLE_FIELDS,
    person_create,
    person_move,
    person_set_active,
    person_set_admin,
    person_update,
)
from .permissions import can_invite, can_manage_department
from .signin import (
    API_TOKEN_PREFIX_LENGTH,
    API_TOKEN_TOUCH_INTERVAL,
    API_TOKENS_PER_PERSON,
    PASSWORD_RESET_DIGEST_SALT,
    TooManyRequests,
    api_token_create,
    api_token_revoke,
    api_token_touch,
    password_reset_email_digest,
    password_reset_request,
    person_api_tokens_revoke,
    person_password_change,
    person_password_reset,
    person_sign_in_unlock,
    person_sign_out_everywhere,
)

__all__ = [
    "can_manage_department",
    "can_invite",
    "company_register",
    "company_update",
    "SELF_EDITABLE_FIELDS",
    "ADMIN_EDITABLE_FIELDS",
    "person_create",
    "person_update",
    "person_move",
    "person_set_active",
    "person_set_admin",
    "departments_recount",
    "department_create",
    "department_update",
    "department_move",
    "department_delete",
    "department_set_head",
    "INVITATION_SALT",
    "invitation_token",
    "invitation_url",
    "invitation_from_token",
    "parse_emails",
    "invitation_send",
    "invitation_resend",
    "invitation_revoke",
    "invitation_accept",
    "API_TOKEN_PREFIX_LENGTH",
    "API_TOKENS_PER_PERSON",
    "API_TOKEN_TOUCH_INTERVAL",
    "PASSWORD_RESET_DIGEST_SALT",
    "TooManyRequests",
    "person_api_tokens_revoke",
    "person_sign_in_unlock",
    "api_token_create",
    "api_token_revoke",
    "api_token_touch",
    "person_password_change",
    "person_password_reset",
    "person_sign_out_everywhere",
    "password_reset_email_digest",
    "password_reset_request",
]
