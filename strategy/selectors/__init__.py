"""The strategy app's selectors: every read, already filtered to what the user may see."""
