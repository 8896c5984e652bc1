"""Protocol code that talks to the outside world for the CRM (mailboxes); no models here."""
