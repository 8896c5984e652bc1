"""Every read of the workflows app, already filtered to what the user may see; one module per feature."""
