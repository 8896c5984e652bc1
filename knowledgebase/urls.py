"""Knowledge base pages, all in the "kb" namespace."""

app_name = "kb"
urlpatterns: list = []
