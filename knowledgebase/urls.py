"""Knowledge base pages, all in the "kb" namespace. Each feature's view module lists its own routes (`urls`);
this module puts them together in one order."""

from .views import discussion, familiarisation, governance, home, pages, revisions, spaces, transfer

app_name = "kb"
urlpatterns = [
    *home.urls,
    *spaces.urls,
    *pages.urls,
    *revisions.urls,
    *transfer.urls,
    *discussion.urls,
    *governance.urls,
    *familiarisation.urls,
]
