"""Downloads in the upload format: the current data as barometer.xlsx, and the blank template."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..excel import data_workbook, template_workbook
from ..http import require, web

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def data_xlsx(request: Request) -> Response:
    require(request)
    w = web(request)
    bid = request.path_params["bid"]
    folder = w.ws.folder(bid)
    data = await run_in_threadpool(data_workbook, folder, title=w.ws.info(bid)["title"])
    return Response(data, media_type=XLSX, headers={"content-disposition": 'attachment; filename="barometer.xlsx"'})


async def template_xlsx(request: Request) -> Response:
    require(request)
    w = web(request)
    data = await run_in_threadpool(template_workbook, title=w.ws.info(request.path_params["bid"])["title"])
    return Response(data, media_type=XLSX,
                    headers={"content-disposition": 'attachment; filename="barometer-skabelon.xlsx"'})
