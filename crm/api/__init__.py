"""The CRM's REST API under /api/v1/crm/, one module per feature."""
