"""The CRM's models, one module per feature (the same names as the other layers)."""

from .activities import Activity
from .communications import Communication
from .companies import Company, CompanyKind
from .configuration import CrmSettings
from .contacts import Contact, ContactCompany
from .deals import Deal, DealLine, DealObserver, DealStageChange
from .fields import CustomField
from .files import CrmFile
from .imports import CrmImport
from .leads import Lead
from .lists import CrmListColumns, CrmSavedFilter
from .mailboxes import Mailbox
from .pipelines import Pipeline, Stage
from .products import Product
from .rights import CrmRole, CrmRoleAssignment, CrmRolePermission
from .stores import StoreConnection, StoreDelivery
from .telephony import Call, PbxConnection, PbxExtension
from .timeline import TimelineEntry
from .webforms import WebForm, WebFormSubmission

__all__ = [
    "Activity",
    "Call",
    "Communication",
    "Company",
    "CompanyKind",
    "Contact",
    "ContactCompany",
    "CrmFile",
    "CrmImport",
    "CrmListColumns",
    "CrmRole",
    "CrmRoleAssignment",
    "CrmRolePermission",
    "CrmSavedFilter",
    "CrmSettings",
    "CustomField",
    "Deal",
    "DealLine",
    "DealObserver",
    "DealStageChange",
    "Lead",
    "Mailbox",
    "PbxConnection",
    "PbxExtension",
    "Pipeline",
    "Product",
    "Stage",
    "StoreConnection",
    "StoreDelivery",
    "TimelineEntry",
    "WebForm",
    "WebFormSubmission",
]
