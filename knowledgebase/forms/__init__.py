"""The knowledge base's forms, one module per feature (the same names as the other layers)."""
