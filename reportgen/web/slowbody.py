"""A request body must arrive at a minimum rate, or the request gets 408 and its connection is closed.

Uvicorn drops an idle keep-alive connection (``timeout_keep_alive``) and caps connections
(``limit_concurrency``), but it waits for a request body for ever: a client sending one byte a
second holds a connection and a descriptor as long as it likes (issue 29). This ASGI middleware,
outermost around the workbench, puts a deadline on every ``receive()`` of the body: after a grace
period the body must have come at ``min_rate`` bytes a second on average. When it has not, the
request is answered 408 (``Connection: close``) and the application sees the client as gone; what
it sends after that is dropped, so nothing half-received is ever applied.
"""
from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)

MIN_RATE = 1024  # bytes a second, on average from the start of the request (--body-min-rate, in KB/s)
GRACE = 10.0  # seconds before the rate counts (--body-grace)


def _message(min_rate: float, grace: float) -> bytes:
    kb = f"{min_rate / 1024:g}".replace(".", ",")
    return (f"Forespørgslen kom for langsomt: efter {grace:g} sekunder skal den komme med mindst {kb} KB "
            "i sekundet. Intet er gemt; prøv igen.").encode()


class MinimumRate:
    """``MinimumRate(app, min_rate=1024, grace=10)``: 408 for a body slower than ``min_rate`` B/s
    after ``grace`` seconds (allowed: ``grace + received / min_rate`` seconds spent waiting for it)."""

    def __init__(self, app, *, min_rate: float = MIN_RATE, grace: float = GRACE):
        self.app = app
        self.min_rate = min_rate
        self.grace = grace
        self.state = getattr(app, "state", None)  # tests and the server reach the workspace through it

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        waited = 0.0  # seconds spent waiting for the body (time the application itself takes is not the client's)
        got = 0
        body_done = False
        started = False  # the application has begun its own response
        answered = False  # we answered 408
        cut = False  # the body was too slow: the application is told the client left

        async def timed_receive():
            nonlocal got, waited, body_done, answered, cut
            if cut:
                return {"type": "http.disconnect"}
            if body_done:  # waiting for a disconnect after the body: no deadline
                return await receive()
            remaining = self.grace + got / self.min_rate - waited
            began = loop.time()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(remaining, 0.001))
            except TimeoutError:
                waited += loop.time() - began
                cut = True
                if not started:
                    answered = True
                    body = _message(self.min_rate, self.grace)
                    log.warning("408: request body slower than %g B/s (%d bytes in %.0f s)",
                                self.min_rate, got, waited)
                    await send({"type": "http.response.start", "status": 408, "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close")]})
                    await send({"type": "http.response.body", "body": body})
                return {"type": "http.disconnect"}
            waited += loop.time() - began
            if message["type"] == "http.request":
                got += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
            return message

        async def guarded_send(message):
            nonlocal started
            if answered:
                return  # the 408 is the answer
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, timed_receive, guarded_send)
        except Exception:
            if not answered:
                raise
            # the application gave up on the body we cut off (a ClientDisconnect): already answered


HEADER_TIMEOUT = 10.0  # seconds for a request's headers, from the connection or its first byte (--header-timeout)


def header_deadline_protocol(seconds: float):
    """Uvicorn's h11 protocol with a deadline on request headers, which uvicorn itself lacks: a new
    connection must complete its request headers within ``seconds``, and so must each later request
    from its first byte (an idle keep-alive connection is uvicorn's own ``timeout_keep_alive``).
    Otherwise the connection is closed. For ``uvicorn.Config(http=...)``; uvicorn is pinned, and this
    uses its ``cycle`` and ``loop`` attributes."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderDeadline(H11Protocol):
        _header_timer = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(seconds, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _running(self) -> bool:
            return self.cycle is not None and not self.cycle.response_complete

        def data_received(self, data: bytes) -> None:
            if not self._running() and self._header_timer is None:  # the first byte of a further request
                self._arm()
            super().data_received(data)
            if self._running():  # its headers are complete: the request runs (its body has its own rate)
                self._disarm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self._running() and not self.transport.is_closing():
                log.warning("closed a connection whose request headers took more than %g s", seconds)
                self.transport.close()

    return HeaderDeadline
