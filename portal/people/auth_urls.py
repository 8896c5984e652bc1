"""Un-namespaced account routes (Django's auth views expect these names). Filled by the people work."""

urlpatterns: list = []
