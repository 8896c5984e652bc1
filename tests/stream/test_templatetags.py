"""The stream's template helpers."""

from django.utils import translation

from portal.stream.templatetags.stream import CARD_LABELS, stream_labels


def test_card_labels_follow_the_active_language():
    with translation.override("en"):
        english = stream_labels()
        assert english is stream_labels()  # translated once per language
    assert set(english) == set(CARD_LABELS)
    assert english["delete_post"] == "Delete this post?"
    with translation.override("de"):
        german = stream_labels()
    assert german is not english
    with translation.override("en"):
        assert stream_labels()["like"] == "Like"
