"""The CRM: leads, contacts, companies, deals through pipelines, activities and their timeline, and the intake
channels (mailboxes, web forms, store webhooks, telephony) that fill it without typing."""
