"""The knowledge base's filters, one module per feature (the same names as the other layers)."""
