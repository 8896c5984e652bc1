"""Django admin of the workflows app."""
