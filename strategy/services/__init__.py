"""The strategy app's services: every write, one module per feature."""
