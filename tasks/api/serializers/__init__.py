"""Serializers of the tasks API, one module per subject (as the view sets beside them). Output serializers
read what the selectors loaded (no per-row queries); input serializers only parse shapes and resolve ids
among the objects the caller may see. The services check who may act and validate the rules; their
ValidationError becomes the API's JSON error."""
