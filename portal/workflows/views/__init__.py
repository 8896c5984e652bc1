"""The workflows pages, one module per feature; each lists its routes in `urls`."""
