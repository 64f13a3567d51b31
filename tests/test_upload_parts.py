"""Files in one request (issue 29, point 5): one file name twice is refused by name, in the upload
and in the review; a file of only NUL bytes is called what it is."""
from __future__ import annotations

import pytest
from web_helpers import BEARER, csrf_of, logged_in, make_client, make_workspace

from reportgen.errors import DataValidationError
from reportgen.inputs import read_barometer


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "ws")


def _areas(name: str) -> bytes:
    return f"id,name\nA,{name}\nB,Uddannelse\n".encode()


@pytest.mark.parametrize("path", ["/api/barometers/testrup/data", "/api/barometers/testrup/data/review"])
def test_one_file_name_twice_in_one_request_is_refused_by_name(ws, path):
    client = make_client(ws)
    before = (ws / "testrup" / "areas.csv").read_bytes()
    r = client.post(path, headers=BEARER, files=[("files", ("areas.csv", _areas("Første"), "text/csv")),
                                                 ("files", ("AREAS.CSV", _areas("Anden"), "text/csv"))])
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == ["areas.csv: sendt flere gange"]
    assert (ws / "testrup" / "areas.csv").read_bytes() == before
    assert client.app.state.web.ws.versions("testrup") == []
    # one of each is fine
    r = client.post(path, headers=BEARER, files=[("files", ("areas.csv", _areas("Første"), "text/csv"))])
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", ["/b/testrup/data", "/b/testrup/data/review"])
def test_the_page_names_the_file_sent_twice(ws, path):
    client = logged_in(make_client(ws))
    r = client.post(path, data={"csrf": csrf_of(client)},
                    files=[("files", ("areas.csv", _areas("Første"), "text/csv")),
                           ("files", ("areas.csv", _areas("Anden"), "text/csv")),
                           ("files", ("areas.csv", _areas("Tredje"), "text/csv"))])
    assert r.status_code == 422
    assert "filen areas.csv er sendt tre gange i samme upload; send hver fil én gang" in r.text


def test_a_file_of_only_nul_bytes_is_called_what_it_is(ws):
    (ws / "testrup" / "areas.csv").write_bytes(b"\0" * 3000)
    with pytest.raises(DataValidationError) as err:
        read_barometer(ws / "testrup")
    text = str(err.value)
    assert "areas.csv: filen indeholder kun nul-bytes og ingen tekst" in text
    assert "Unicode" not in text
    # and through the workbench
    (ws / "testrup" / "areas.csv").write_bytes(_areas("Beskæftigelse"))
    r = make_client(ws).post("/api/barometers/testrup/data", headers=BEARER,
                             files=[("files", ("areas.csv", b"\0" * 10, "text/csv"))])
    assert r.status_code == 422
    assert any("kun nul-bytes" in e for e in r.json()["errors"]), r.json()
    # a real UTF-16 file keeps its own explanation
    (ws / "testrup" / "areas.csv").write_bytes("id,name\nA,Beskæftigelse\n".encode("utf-16"))
    with pytest.raises(DataValidationError, match="Unicode-tekst"):
        read_barometer(ws / "testrup")
