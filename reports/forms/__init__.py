"""Forms of the reports app, one module per subject (the same names as the views and services)."""
