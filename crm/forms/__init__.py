"""The CRM's forms, one module per feature (import the module: `from crm.forms import deals`)."""
