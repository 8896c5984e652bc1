"""The strategy app's filters, one module per feature (the same names as the other layers)."""
