"""The workflows app's forms, one module per feature."""
