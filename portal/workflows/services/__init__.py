"""Every write of the workflows app, one module per feature."""
