from django.urls import path

from . import views

app_name = "stream"
urlpatterns = [
    path("", views.feed, name="feed"),
    path("post/", views.post_create, name="post_create"),
    path("people/", views.people_picker, name="people_picker"),
    path("<int:pk>/", views.entry_detail, name="entry"),
    path("<int:pk>/card/", views.entry_card, name="entry_card"),
    path("<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("<int:pk>/like/", views.entry_like, name="entry_like"),
    path("<int:pk>/likes/", views.entry_likes, name="entry_likes"),
    path("<int:pk>/read/", views.entry_read, name="entry_read"),
    path("<int:pk>/readers/", views.entry_readers, name="entry_readers"),
    path("<int:pk>/comments/", views.entry_comments, name="entry_comments"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("polls/<int:pk>/vote/", views.poll_vote, name="poll_vote"),
    path("polls/<int:pk>/close/", views.poll_close, name="poll_close"),
    path("albums/<int:pk>/", views.album_detail, name="album"),
    path("photos/<int:pk>/", views.photo_detail, name="photo"),
    path("photos/<int:pk>/file/", views.photo_file, name="photo_file"),
    path("photos/<int:pk>/thumb/", views.photo_file, {"size": "thumb"}, name="photo_thumb"),
    path("photos/<int:pk>/like/", views.photo_like, name="photo_like"),
    path("photos/<int:pk>/comments/", views.photo_comment, name="photo_comment"),
]
