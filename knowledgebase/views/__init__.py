"""The knowledge base's views, one module per feature (the same names as the other layers)."""
