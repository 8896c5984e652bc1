"""FilterSets shared by the pages and the API, one module per feature."""
