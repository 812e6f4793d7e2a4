"""The library's public surface: everything in `__all__` exists, and the list is sorted."""

from __future__ import annotations

import derdir


def test_all_is_sorted_and_importable() -> None:
    assert derdir.__all__ == sorted(derdir.__all__, key=lambda n: (not n[0].isupper(), n))
    for name in derdir.__all__:
        assert getattr(derdir, name) is not None


def test_embedding_answers_from_a_build(cat) -> None:
    """What a hub developer embedding the catalog does: open a build and ask."""
    answer = derdir.compat(cat, "tp-link-kasa-kp125m", "home-assistant-yellow")
    assert answer["compatible"] is True
