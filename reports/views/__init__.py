"""Pages of the reports app (HTML and htmx parts), one module per subject (the same names as the forms,
filters, selectors, services and API modules). The routes are in reports/urls.py."""
