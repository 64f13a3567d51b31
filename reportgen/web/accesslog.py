"""``reportgen serve --access-log json``: one JSON object per request on standard error (journald
keeps it under systemd), in place of uvicorn's text lines. A login token in the URL shows as
``[skjult]``; the client address follows X-Forwarded-For only from trusted proxies (proxy.py)."""
from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time

from .proxy import ProxySettings

_TOKEN_QUERY = re.compile(r"(^|&)(token=)[^&]*")


class JsonAccessLog:
    def __init__(self, app, proxy: ProxySettings, stream=None):
        self.app, self.proxy, self.stream = app, proxy, stream
        self.state = getattr(app, "state", None)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status, size = 0, 0

        async def counting_send(message):
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            peer = (scope.get("client") or ("?", 0))[0]
            query = _TOKEN_QUERY.sub(r"\1\2[skjult]", scope.get("query_string", b"").decode("latin-1"))
            line = {
                "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "client": self.proxy.client(peer, headers.get("x-forwarded-for")),
                "method": scope.get("method", ""),
                "path": scope.get("path", "") + (f"?{query}" if query else ""),
                "status": status or 500,
                "bytes": size,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "user_agent": headers.get("user-agent", ""),
            }
            stream = self.stream or sys.stderr
            stream.write(json.dumps(line, ensure_ascii=False) + "\n")
            stream.flush()
