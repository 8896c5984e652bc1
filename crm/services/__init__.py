"""The CRM's services, one module per feature (import the module: `from crm.services import deals`)."""
