"""The CRM's filters, one module per feature (import the module: `from crm.filters import deals`)."""
