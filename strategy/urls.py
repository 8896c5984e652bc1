"""Strategy pages, all in the "strategy" namespace."""

app_name = "strategy"
urlpatterns: list = []
