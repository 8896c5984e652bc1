"""Company pages, one module per subject (the same names as the services): registration and settings, the
directory and profiles, signing in, the org chart and departments, invitations. The routes are in
portal/people/urls.py and portal/people/auth_urls.py.

Thin views: they validate a form, call one service or selector and render. A service's ValidationError
goes back onto the form (nothing is saved); its PermissionDenied answers 403. People and departments the
user may not see answer 404. htmx requests get the partial of the part of the page they changed.
"""
