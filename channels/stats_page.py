"""GET /stats: the public statistics page (信息公开), also as JSON and CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from channels.stats_html import render_html
from channels.stats_render import locale_of, render_csv, render_json
from intake_core.statistics import PublicStatistics
from intake_core.taxonomy import Taxonomy

router = APIRouter(tags=["statistics"])


# Statistics exist from the service's first case on; far dates only overflow the date arithmetic.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


@router.get("/stats", response_class=HTMLResponse,
            responses={200: {"content": {"application/json": {}, "text/csv": {}}},
                       400: {"description": "Invalid period (problem+json)"}})
async def public_statistics(
        request: Request,
        start: Annotated[date | None, Query(alias="from", ge=EARLIEST, le=LATEST,
                                            description="First day (YYYY-MM-DD); default: 29 days before `to`")] = None,
        end: Annotated[date | None, Query(alias="to", ge=EARLIEST, le=LATEST,
                                          description="Last day, included; default: today")] = None,
        format: Annotated[Literal["html", "json", "csv"], Query()] = "html",
        lang: Annotated[Literal["zh", "en"], Query()] = "zh") -> Response:
    """Counts by channel, kind, category and status, timeliness and satisfaction of the cases received in
    the period; small cells suppressed, nothing personal."""
    statistics: PublicStatistics = request.app.state.statistics
    taxonomy: Taxonomy = request.app.state.service.taxonomy
    default_start, default_end = statistics.default_period()
    if end is None:
        end = default_end
    if start is None:
        start = end - (default_end - default_start)
    report = await statistics.report(start, end)
    headers = {"Cache-Control": "public, max-age=300"}
    locale = locale_of(lang)
    if format == "json":
        return Response(render_json(report, taxonomy), media_type="application/json", headers=headers)
    if format == "csv":
        headers["Content-Disposition"] = f'inline; filename="stats-{start}-{end}.csv"'
        return Response(render_csv(report, taxonomy, locale), media_type="text/csv; charset=utf-8",
                        headers=headers)
    switch = "?" + urlencode({"from": start.isoformat(), "to": end.isoformat(),
                              **({"lang": "en"} if locale == "zh" else {})})
    return HTMLResponse(render_html(report, taxonomy, locale, other_language_href=switch), headers=headers)
