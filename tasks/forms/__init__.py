"""Forms of the tasks app, one module per subject (the same names as the views, selectors and services)."""
