"""The output writer: staged, locked, atomic; unsafe names refused."""
from __future__ import annotations

import pytest

from reportgen.errors import BuildLockedError, ReportgenError
from reportgen.outputs.writer import OutputWriter, safe_stem, slug


def test_publish_replaces_previous_output_only_when_complete(tmp_path):
    with OutputWriter(tmp_path, "2009-12") as w:
        w.write("bilag1.pdf", b"first")
        w.publish()
    assert (tmp_path / "2009-12" / "bilag1.pdf").read_bytes() == b"first"

    with pytest.raises(RuntimeError), OutputWriter(tmp_path, "2009-12") as w:
        w.write("bilag1.pdf", b"second")
        raise RuntimeError("renderer failed")
    assert (tmp_path / "2009-12" / "bilag1.pdf").read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".reportgen.lock", "2009-12"]


def test_records_hash_and_size(tmp_path):
    with OutputWriter(tmp_path, "u1") as w:
        rec = w.write("bilag2/BUU.pdf", b"abc")
        w.publish()
    assert rec.size == 3
    assert rec.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert [r.path for r in w.written] == ["bilag2/BUU.pdf"]


@pytest.mark.parametrize("bad", ["../x.pdf", "/etc/passwd", "a/../../b", "", "bilag2/", ".hidden"])
def test_unsafe_paths_are_refused(tmp_path, bad):
    with OutputWriter(tmp_path, "u1") as w, pytest.raises(ReportgenError):
        w.write(bad, b"x")


def test_same_name_twice_is_a_collision(tmp_path):
    with OutputWriter(tmp_path, "u1") as w:
        w.write("a.pdf", b"1")
        with pytest.raises(ReportgenError, match="to gange"):
            w.write("a.pdf", b"2")


def test_second_build_into_same_folder_is_refused(tmp_path):
    with OutputWriter(tmp_path, "u1"):
        with pytest.raises(BuildLockedError, match="anden kørsel"):
            OutputWriter(tmp_path, "u1").__enter__()


def test_update_id_must_be_a_safe_folder_name(tmp_path):
    with pytest.raises(ReportgenError):
        OutputWriter(tmp_path, "../etc")


def test_slugs():
    assert slug("Børne- og Ungdomsudvalget") == "boerne-og-ungdomsudvalget"
    assert safe_stem("BUU") == "BUU"
    assert safe_stem("ØU") == "OeU"
    with pytest.raises(ReportgenError):
        safe_stem("///")
