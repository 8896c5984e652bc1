"""The knowledge base's part of the demo company (`manage.py seed_demo`), one module per feature."""
