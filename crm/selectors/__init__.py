"""The CRM's selectors, one module per feature (import the module: `from crm.selectors import deals`)."""
