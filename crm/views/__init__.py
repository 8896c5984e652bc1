"""The CRM's views, one module per feature (import the module: `from crm.views import deals`)."""
