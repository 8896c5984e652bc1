"""Celery jobs of the workflows app: deadline reminders and escalations, automation rule runs and waits."""
