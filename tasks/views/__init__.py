"""Pages of the tasks app (HTML and htmx parts), one module per subject (the same names as the forms,
selectors and services). The routes are in tasks/urls.py."""
