"""Pytest plugins shared by the whole suite: a real browser, a real Celery worker, a real SMTP server.

Enabled from tests/conftest.py through `pytest_plugins`.
"""
