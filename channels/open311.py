"""Open311 GeoReport v2 subset under /open311/v2/, so existing civic clients can file and follow cases.

Mapping (JSON only; no XML, no discovery):
- a *service* is one of our categories: service_code = category code, group = kind (complaint/report).
  Names are Simplified Chinese; `?locale=en` (our extension, GeoReport has no locale) gives English.
  Categories needing more than a description (a target, the time of occurrence) have metadata true and
  list those as attributes in services/{code}.json; clients send them as `attribute[<code>]`.
- a *service request* is a case: service_request_id = tracking number (受理编号); status open/closed
  from our lifecycle; status_notes "referred" when the case is outside our remit (agency_responsible
  then names the competent body); expected_datetime = the answer deadline.

Privacy (reporter identity is confidential): responses never carry the description, target, address,
coordinates, media, answer text or any identity; location is not required on POST (our cases are not
places). Anonymous cases answer only to their receipt code: `requests/{id}.json?receipt=...` (our
extension, checked and locked out like the case API) and never appear in lists. Listing without
`service_request_id` needs an api_key and covers cases filed through Open311 only, because a tracking
number lets its holder follow an identified case.

POST requests.json (form or JSON) needs a configured api_key (403 otherwise). With first_name,
last_name, email or phone the case is identified (the core seals the identity); without them it is
anonymous and the receipt code is shown once in service_notice (GeoReport's `token` is for ids issued
later, so it stays null). An `Idempotency-Key` header makes retries safe (scoped to the api_key).
Errors are GeoReport's: a JSON list of {code, description} with the HTTP status 400, 403 or 404."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from channels.open311_protocol import (
    GeoReportError,
    GeoReportRoute,
    Open311Config,
    iso,
    locale_of,
    parse_moment,
)
from channels.open311_services import service_definition, service_list, service_name
from intake_core import codes
from intake_core.model import IntakeDraft, ReporterIdentity, TargetType
from intake_core.public_cases import PublicCase, PublicCaseIndex
from intake_core.service import IntakeService
from intake_core.taxonomy import Taxonomy

CHANNEL = "open311"
MAX_RESULTS = 1000
DEFAULT_SPAN = timedelta(days=90)
FIELD_LIMITS = {"first_name": 100, "last_name": 100, "email": 254, "phone": 40, "address_string": 2048,
                "media_url": 2048, "description": 5000}

router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=GeoReportRoute)
Text = Annotated[str | None, Query(max_length=2048)]


def _config(request: Request) -> Open311Config:
    config: Open311Config = getattr(request.app.state, "open311", None) or Open311Config()
    return config


def _service(request: Request) -> IntakeService:
    service: IntakeService = request.app.state.service
    return service


def _check_jurisdiction(config: Open311Config, jurisdiction_id: str | None) -> None:
    if jurisdiction_id and config.jurisdiction_id and jurisdiction_id != config.jurisdiction_id:
        raise GeoReportError(404, "jurisdiction_id not found")


def _key_is_valid(config: Open311Config, api_key: str | None) -> bool:
    given = (api_key or "").encode()
    matched = False
    for key in config.api_keys:  # compare with every key, so timing tells nothing about which matched
        matched |= bool(key) and hmac.compare_digest(given, key.encode())
    return matched


@router.get("/services.json")
async def services(request: Request, jurisdiction_id: Text = None, locale: Text = None) -> Response:
    """Our categories as GeoReport services."""
    _check_jurisdiction(_config(request), jurisdiction_id)
    return JSONResponse(service_list(_service(request).taxonomy, locale_of(locale)))


@router.get("/services/{service_code}.json")
async def service(service_code: str, request: Request, jurisdiction_id: Text = None,
                  locale: Text = None) -> Response:
    """A service definition: the attributes a filing of this category needs."""
    _check_jurisdiction(_config(request), jurisdiction_id)
    taxonomy = _service(request).taxonomy
    if service_code not in taxonomy:
        raise GeoReportError(404, "service_code not found")
    return JSONResponse(service_definition(taxonomy.get(service_code), locale_of(locale)))


def _request_view(case: PublicCase, taxonomy: Taxonomy, config: Open311Config, locale: str) -> dict[str, Any]:
    agency = config.agency_responsible
    if case.referred:  # the competent body the citizen was told to turn to, in the asked language if we can
        agency = (taxonomy.get(case.category).referral(locale) if case.category in taxonomy else None) \
            or case.referral_body
    return {
        "service_request_id": case.tracking_no,
        "status": "open" if case.is_open else "closed",
        "status_notes": "referred" if case.referred else None,
        "service_name": service_name(taxonomy, case.category, locale),
        "service_code": case.category,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": iso(case.received_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.answer_due),
    }


def _parse_status(value: str | None) -> bool | None:
    wanted = {part.strip() for part in (value or "").split(",") if part.strip()}
    if not wanted <= {"open", "closed"}:
        raise GeoReportError(400, "status is open, closed or both")
    return None if len(wanted) != 1 else "open" in wanted


@router.get("/requests.json")
async def requests(request: Request, jurisdiction_id: Text = None, service_request_id: Text = None,
                   service_code: Text = None, start_date: Text = None, end_date: Text = None,
                   status: Text = None, api_key: Text = None, locale: Text = None) -> Response:
    """Cases by id (comma list), or, with an api_key, the Open311 filings of a period (default 90 days)."""
    config, service_layer = _config(request), _service(request)
    _check_jurisdiction(config, jurisdiction_id)
    is_open = _parse_status(status)
    codes_wanted = [c.strip() for c in (service_code or "").split(",") if c.strip()]
    if service_request_id:
        numbers = [n for n in (codes.normalize_tracking_no(part) for part in service_request_id.split(",")) if n]
        found = await PublicCaseIndex(service_layer.database).by_numbers(numbers[:MAX_RESULTS])
        found = [c for c in found if not c.anonymous and (not codes_wanted or c.category in codes_wanted)
                 and (is_open is None or c.is_open == is_open)]
    else:
        if not _key_is_valid(config, api_key):
            raise GeoReportError(403, "listing service requests needs a valid api_key; "
                                      "look one up with service_request_id")
        until = parse_moment(end_date, "end_date") or service_layer.now()
        since = parse_moment(start_date, "start_date") or until - DEFAULT_SPAN
        if since > until:
            raise GeoReportError(400, "start_date must be before end_date")
        found = await PublicCaseIndex(service_layer.database).search(
            since=since, until=until, categories=codes_wanted, is_open=is_open, channel=CHANNEL,
            limit=MAX_RESULTS)
    lang = locale_of(locale)
    return JSONResponse([_request_view(c, service_layer.taxonomy, config, lang) for c in found])


@router.get("/requests/{service_request_id}.json")
async def request_by_id(service_request_id: str, request: Request, jurisdiction_id: Text = None,
                        receipt: Annotated[str | None, Query(max_length=64)] = None,
                        locale: Text = None) -> Response:
    """One case. An anonymous case answers only with its receipt code (`receipt`)."""
    config, service_layer = _config(request), _service(request)
    _check_jurisdiction(config, jurisdiction_id)
    number = codes.normalize_tracking_no(service_request_id)
    found = await PublicCaseIndex(service_layer.database).by_numbers([number]) if number else []
    if not found:
        raise GeoReportError(404, "service_request_id not found")
    case = found[0]
    if case.anonymous:
        if not receipt:
            raise GeoReportError(403, "an anonymous service request answers only with its receipt code")
        await service_layer.status(case.tracking_no, receipt)  # checks the receipt, counts failures
    return JSONResponse([_request_view(case, service_layer.taxonomy, config, locale_of(locale))])


async def _fields(request: Request) -> dict[str, str]:
    """Form or JSON body, over the query string (some clients send api_key there)."""
    fields = {key: value for key, value in request.query_params.items()}
    if request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
        try:
            data = await request.json()
        except ValueError:
            raise GeoReportError(400, "the request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise GeoReportError(400, "the request body must be a JSON object")
        for key, value in data.items():
            if key == "attribute" and isinstance(value, dict):
                fields.update({f"attribute[{name}]": str(item) for name, item in value.items() if item is not None})
            elif value is not None:
                fields[key] = str(value)
    else:
        form = await request.form()
        fields.update({key: value for key, value in form.items() if isinstance(value, str)})
    for name, limit in FIELD_LIMITS.items():
        if len(fields.get(name, "")) > limit:
            raise GeoReportError(400, f"{name} is longer than {limit} characters")
    return {key: value.strip() for key, value in fields.items()}


def _target(fields: dict[str, str]) -> tuple[str | None, TargetType | None]:
    target = fields.get("attribute[target]") or fields.get("address_string") or fields.get("media_url") or None
    if target is None:
        return None, None
    typed = fields.get("attribute[target_type]")
    if typed in {t.value for t in TargetType}:
        return target, TargetType(typed)
    parts = urlsplit(target)
    return target, TargetType.URL if parts.scheme in ("http", "https") and parts.hostname else TargetType.OTHER


@router.post("/requests.json")
async def create_request(request: Request,
                         idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> Response:
    """File a case through Open311 (api_key required)."""
    config, service_layer = _config(request), _service(request)
    fields = await _fields(request)
    if not _key_is_valid(config, fields.get("api_key")):
        raise GeoReportError(403, "a valid api_key is required")
    _check_jurisdiction(config, fields.get("jurisdiction_id"))
    code, description = fields.get("service_code", ""), fields.get("description", "")
    if not code or not description:
        raise GeoReportError(400, "service_code and description are required")
    if code not in service_layer.taxonomy:
        raise GeoReportError(400, "service_code not found")
    category = service_layer.taxonomy.get(code)
    name = " ".join(part for part in (fields.get("first_name"), fields.get("last_name")) if part) or None
    identity = ReporterIdentity(name=name, email=fields.get("email") or None, phone=fields.get("phone") or None)
    target, target_type = _target(fields)
    locale = locale_of(fields.get("locale"))
    draft = IntakeDraft(kind=category.kind, category=code, description=description, channel=CHANNEL,
                        target=target, target_type=target_type,
                        occurred_at=parse_moment(fields.get("attribute[occurred_at]"), "attribute[occurred_at]"),
                        anonymous=identity.is_empty(), identity=identity, locale=locale)
    service_layer.validate(draft)
    key = None
    if idempotency_key:  # scoped to the client, so one client's key never replays another's filing
        client = hashlib.sha256(fields["api_key"].encode()).hexdigest()[:16]
        key = f"{CHANNEL}:{client}:{idempotency_key}"
    registration = await service_layer.submit(draft, idempotency_key=key)
    notice = _notice(locale, registration.tracking_no, iso(registration.answer_by), registration.receipt,
                     registration.referral)
    return JSONResponse([{"service_request_id": registration.tracking_no, "service_notice": notice,
                          "token": None, "account_id": None}])


def _notice(locale: str, tracking_no: str, answer_by: str, receipt: str | None, referral: str | None) -> str:
    if locale == "en":
        parts = [f"Received. Tracking number {tracking_no}; answer due by {answer_by}."]
        if receipt:
            parts.append(f"Anonymous receipt code (shown only this once; keep it to follow the case): {receipt}.")
        if referral:
            parts.append(f"This matter is outside our remit; please turn to: {referral}.")
    else:
        parts = [f"已受理，受理编号 {tracking_no}，答复期限 {answer_by}。"]
        if receipt:
            parts.append(f"匿名回执码（仅显示这一次，请妥善保存，凭此查询）：{receipt}。")
        if referral:
            parts.append(f"该事项不属于本机构受理范围，请向以下机关反映：{referral}。")
    return "".join(parts) if locale == "zh" else " ".join(parts)
