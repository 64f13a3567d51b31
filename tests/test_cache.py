"""The render cache: a second request with the same key does not call the maker."""
from __future__ import annotations

from reportgen.document import Paragraph
from reportgen.outputs.cache import RenderCache, fingerprint, tree_fingerprint


def test_second_get_is_a_hit(tmp_path):
    cache = RenderCache(tmp_path)
    calls = []
    make = lambda: calls.append(1) or b"pdf"  # noqa: E731
    key = fingerprint(Paragraph.of("Hej"), "v1")
    assert cache.get_or_make(key, ".pdf", make) == b"pdf"
    assert cache.get_or_make(key, ".pdf", make) == b"pdf"
    assert calls == [1] and (cache.hits, cache.misses) == (1, 1)


def test_fingerprint_changes_with_content_and_is_stable():
    assert fingerprint(Paragraph.of("a")) == fingerprint(Paragraph.of("a"))
    assert fingerprint(Paragraph.of("a")) != fingerprint(Paragraph.of("b"))


def test_tree_fingerprint_sees_template_edits(tmp_path):
    (tmp_path / "base.html").write_text("x")
    before = tree_fingerprint([tmp_path])
    (tmp_path / "base.html").write_text("y")
    assert tree_fingerprint([tmp_path]) != before


def test_disabled_cache_always_makes():
    cache = RenderCache(None)
    assert cache.get_or_make("k", ".pdf", lambda: b"1") == b"1"
    assert cache.get_or_make("k", ".pdf", lambda: b"2") == b"2"
