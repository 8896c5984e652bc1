"""FilterSets of the reports app, one per subject; a page and its API share one (NetBox style)."""
