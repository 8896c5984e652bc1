"""Strategy pages, all in the "strategy" namespace."""

from .views import indicators, kpi

app_name = "strategy"
urlpatterns: list = [
    # Indicators and KPI cards.
    *indicators.urls,
    *kpi.urls,
]
