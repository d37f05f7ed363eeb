"""Plain data shared by the vendor modules: a request to send, a response received, and small helpers.

Vendor modules build ``Request`` values and parse ``Response`` values; they never perform I/O, so a
test of a vendor module needs no server.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import Incident, IncidentChange, Phase

_MAX_ID_LENGTH = 256


@dataclass(frozen=True)
class Request:
    """One HTTP request, relative to the vendor's base URL; ``path`` is already URL-encoded."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    json: Any = None
    write: bool = False
    idempotent: bool = True
    accept_statuses: frozenset[int] = field(default_factory=frozenset)
    service: str = ""
    """Which of the vendor's base URLs to send to ("" = the connection's base URL); Pinghome has several."""
    settled_by_lookup: bool = field(default=False, compare=False)
    """A write whose lost answer is looked for (its marker, the state it set) before it is sent again:
    each attempt leaves half the time left for that look (set by ``hooks.write_once``, not a vendor)."""

    def describe(self) -> str:
        """``METHOD /path`` for messages: ids only, never a header or a body."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Response:
    """A received response: status, lower-cased headers and the decoded JSON body (or None)."""

    status: int
    headers: Mapping[str, str]
    body: Any
    text: str = ""
    """The start of a body that was not JSON, for error messages."""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def path_segment(value: object, field_name: str, vendor: str) -> str:
    """Encode one id for a URL path, so ``../``, ``?``, ``#`` or ``%2F`` can never change the route."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise IncidentValidationError(
            field_name, f"must be a string id, got {type(value).__name__}", vendor=vendor
        )
    text = str(value).strip()
    if not text:
        raise IncidentValidationError(field_name, "must not be empty", vendor=vendor)
    if len(text) > _MAX_ID_LENGTH:
        raise IncidentValidationError(
            field_name, f"is longer than {_MAX_ID_LENGTH} characters", vendor=vendor
        )
    if _CONTROL_CHARACTER.search(text):
        raise IncidentValidationError(field_name, "must not contain control characters", vendor=vendor)
    if text in (".", ".."):  # quote() keeps dots, and HTTP clients resolve dot segments: /incidents/.. is /
        raise IncidentValidationError(field_name, f"must not be {text!r} (a relative path)", vendor=vendor)
    return quote(text, safe="")


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def uuid_segment(value: object, field_name: str, vendor: str, label: str) -> str:
    """An id of a vendor whose ids are all UUIDs (``label`` names it in the error), for a URL path."""
    encoded = path_segment(value, field_name, vendor)
    if not _UUID.fullmatch(encoded):
        raise IncidentValidationError(
            field_name, f"{str(value).strip()!r} is not a UUID ({label} ids are UUIDs)", vendor=vendor
        )
    return encoded


def scope_ids(
    values: Iterable[object], field_name: str, vendor: str, *, separator: str | None = None
) -> tuple[str, ...]:
    """The ids a list is scoped to (``services``, ``teams``): stripped, each once, in the caller's order.

    Each must be a non-empty string id without control characters, and without ``separator`` where
    the vendor joins the ids into one parameter.
    """
    if isinstance(values, str):
        raise IncidentValidationError(field_name, "must be a list of ids, not one string", vendor=vendor)
    ids: dict[str, None] = {}
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise IncidentValidationError(
                field_name, f"must be a list of non-empty id strings (got {value!r:.80})", vendor=vendor
            )
        text = value.strip()
        if len(text) > _MAX_ID_LENGTH or any(ord(char) < 32 or ord(char) == 127 for char in text):
            raise IncidentValidationError(
                field_name,
                f"{text!r:.80} is not an id (at most {_MAX_ID_LENGTH} characters, no control characters)",
                vendor=vendor,
            )
        if separator is not None and separator in text:
            raise IncidentValidationError(
                field_name, f"{text!r:.80} is not an id: it contains {separator!r}", vendor=vendor
            )
        ids[text] = None
    return tuple(ids)


def refuse_scope(services: Sequence[str], teams: Sequence[str], *, vendor: str, instead: str) -> None:
    """Refuse a list scoped to services or teams, for a vendor whose list is scoped by the connection.

    ``instead`` says what scopes that vendor's list (``"DevHelm lists one status page: ..."``).
    """
    for field_name, values in (("services", services), ("teams", teams)):
        if values:
            raise IncidentValidationError(
                field_name, f"cannot scope this vendor's list; {instead}", vendor=vendor
            )


def one_of(value: object, allowed: Sequence[str], field_name: str, what: str, vendor: str) -> str:
    """``value`` (any case) as one of the lower-case words ``allowed``, or an error listing them
    (``what`` names the kind: "an impact")."""
    word = value.strip().lower() if isinstance(value, str) else ""
    if word not in allowed:
        raise IncidentValidationError(
            field_name, f"{value!r} is not {what}; allowed: {', '.join(allowed)}", vendor=vendor
        )
    return word


def bounded_text(value: object, field_name: str, maximum: int, vendor: str) -> str:
    """Text that is not blank and at most ``maximum`` characters long (a title, a name, a message)."""
    if not isinstance(value, str) or not value.strip() or len(value) > maximum:
        raise IncidentValidationError(field_name, f"must be 1 to {maximum} characters", vendor=vendor)
    return value


def lookup_status(
    word: str,
    statuses: Mapping[str, Phase],
    phase_words: Mapping[Phase, str],
    vendor: str,
    field_name: str = "status",
) -> str:
    """Turn a vendor status word or a phase (any case) into the vendor's own status word.

    Raises a validation error naming the field, the vendor and every accepted word.
    """
    lowered = word.strip().lower()
    if lowered in statuses:
        return lowered
    for phase in Phase:
        if lowered == phase.value and phase in phase_words:
            return phase_words[phase]
    allowed = ", ".join(statuses)
    phases = ", ".join(phase.value for phase in phase_words)
    raise IncidentValidationError(
        field_name, f"{word!r} is not a status; allowed: {allowed} (or the phases {phases})", vendor=vendor
    )


def mapping_of(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one: a nested object a vendor left out or sent as
    something else reads as having no fields."""
    return value if isinstance(value, Mapping) else {}


def statuses_named(
    words: Sequence[str], statuses: Mapping[str, Phase], phase_words: Mapping[Phase, str], vendor: str
) -> tuple[str, ...]:
    """The vendor's statuses a list filter names, for vendors whose list filters by their own words: a
    vendor word means itself, a phase every status in that phase; any other word is refused as
    :func:`lookup_status` refuses it (so is a phase the vendor has no status in)."""
    wanted: dict[str, None] = {}
    for word in words:
        status = lookup_status(word, statuses, phase_words, vendor, "statuses")
        if status == word.strip().lower():
            wanted[status] = None
        else:
            wanted.update(dict.fromkeys(s for s, phase in statuses.items() if phase is statuses[status]))
    return tuple(wanted)


def redact_fields(raw: Mapping[str, Any], sensitive: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``raw`` with each sensitive key (at any depth) replaced by ``"***"``."""

    def walk(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: ("***" if k in sensitive and v is not None else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(raw)  # type: ignore[no-any-return]


RAW_SIZE_LIMIT = 64 * 1024


def capped_raw(raw: Mapping[str, Any], sensitive: tuple[str, ...]) -> dict[str, Any]:
    """The redacted raw vendor object, or a marker when it would make the XCom value too large."""
    redacted = redact_fields(raw, sensitive)
    size = len(json.dumps(redacted, default=str))
    if size > RAW_SIZE_LIMIT:
        return {"truncated": True, "size": size, "limit": RAW_SIZE_LIMIT}
    return redacted


_MILLISECONDS_FROM = 100_000_000_000
"""An epoch number at or above this is milliseconds (seconds would be the year 5138)."""


def parse_timestamp(value: Any) -> datetime | None:
    """A vendor's timestamp as an aware datetime, or None when it is missing or unreadable.

    ISO 8601 text (``Z`` or an offset) or epoch seconds or milliseconds; a time without a zone is UTC,
    for every vendor: none documents a local time, and an aware value is all the model holds.
    """
    if not value or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            moment = datetime.fromtimestamp(value / 1000 if value >= _MILLISECONDS_FROM else value, tz=UTC)
        else:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def answered_at(response: Response) -> datetime | None:
    """The vendor's clock when it answered (the HTTP ``Date`` header), or None without a readable one:
    where a change feed's next window may start, whatever the triggerer's own clock says."""
    try:
        moment = parsedate_to_datetime(response.headers.get("date", ""))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


EPOCH_THRESHOLD = 1_000_000_000
"""A reset value at or above this is read as epoch seconds when a vendor does not say which it sends."""


def wait_from_headers(
    headers: Mapping[str, str],
    *,
    reset_headers: tuple[str, ...] = (),
    reset_is_epoch: bool | None = None,
    now: float | None = None,
) -> float | None:
    """Seconds to wait after a 429: ``Retry-After`` (seconds or an HTTP date) first, then a reset header.

    ``reset_is_epoch`` says how the vendor documents its reset header: True epoch seconds, False
    seconds from now, None undocumented (epoch when at or above ``EPOCH_THRESHOLD``). None when no
    header says anything usable.
    """
    moment = time.time() if now is None else now
    hinted = headers.get("retry-after", "").strip()
    if hinted:
        try:
            return max(0.0, float(hinted))
        except ValueError:
            try:
                date = parsedate_to_datetime(hinted)
            except (TypeError, ValueError):
                date = None
            if date is not None:
                date = date if date.tzinfo else date.replace(tzinfo=UTC)
                return max(0.0, date.timestamp() - moment)
    for header in reset_headers:
        try:
            reset = float(headers.get(header, "").strip())
        except ValueError:
            continue
        epoch = reset >= EPOCH_THRESHOLD if reset_is_epoch is None else reset_is_epoch
        return max(0.0, reset - moment if epoch else reset)
    return None


def json_headers(auth: Mapping[str, str], *, has_body: bool) -> dict[str, str]:
    """The credential header(s) ``auth``, JSON accepted, and a JSON content type when a body is sent."""
    return {
        **auth,
        "Accept": "application/json",
        **({"Content-Type": "application/json"} if has_body else {}),
    }


def retry_after_header(response: Response) -> float | None:
    """``Retry-After`` alone (seconds or an HTTP date), for a vendor that documents no reset header."""
    return wait_from_headers(response.headers)


def no_budget(response: Response) -> Budget | None:
    """For a vendor that documents no budget headers: the client-side limiter alone paces its calls."""
    return None


def no_conflict_codes(code: str | None) -> bool:
    """For a vendor that documents no conflict codes: a 409 is a conflict by its status alone."""
    return False


def aware(moment: datetime | None) -> datetime | None:
    """A naive datetime taken as UTC, as Airflow's own dates are."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def iso_time(moment: datetime) -> str:
    """An instant as ISO 8601 for a query, a naive datetime taken as UTC (as Airflow's own dates are)."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).isoformat()


def update_change(incident: Incident) -> IncidentChange:
    """An incident read from a list by update time as a change: its id and update stamp name the change
    (its status, without a stamp), the same on every read until it is updated again."""
    stamp = incident.updated_at.isoformat() if incident.updated_at is not None else incident.status
    return IncidentChange(f"{incident.id}@{stamp}", incident.ref, incident.updated_at, incident)


def created_between(created: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    """Whether a creation time is in ``[since, until)`` (naive bounds are UTC) for a vendor whose list
    takes no dates; an incident without one is kept."""
    since, until = aware(since), aware(until)
    return created is None or ((since is None or created >= since) and (until is None or created < until))


@dataclass(frozen=True)
class Budget:
    """What a vendor's answer says is left of the credential's rate limit, for every process using it."""

    limit: int | None
    """Requests the window allows (None when the vendor did not say)."""
    remaining: int
    """Requests left in the window after this one."""
    reset: float
    """Seconds from now until the window gives budget back."""


def budget_from_headers(
    headers: Mapping[str, str],
    *,
    prefixes: tuple[str, ...],
    reset_is_epoch: bool,
    now: float | None = None,
) -> Budget | None:
    """The budget in ``<prefix>limit``, ``<prefix>remaining`` and ``<prefix>reset`` headers (the first
    prefix whose remaining and reset are both readable wins); None when no prefix is.

    A limit may carry a policy after a comma or semicolon (``"1000, 1000;window=60"``): its first number
    counts. ``reset_is_epoch`` says whether the reset is epoch seconds or seconds from now.
    """
    for prefix in prefixes:
        try:
            remaining = int(float(headers.get(prefix + "remaining", "").strip()))
            reset = float(headers.get(prefix + "reset", "").strip())
        except ValueError:
            continue
        if reset_is_epoch:
            reset -= time.time() if now is None else now
        limit_text = re.split(r"[,;]", headers.get(prefix + "limit", ""), maxsplit=1)[0].strip()
        limit = int(limit_text) if limit_text.isdigit() else None
        return Budget(limit, max(0, remaining), max(0.0, reset))
    return None


def vendor_field_items(
    fields: object, *, vendor: str, allowed: Iterable[str], arguments: Mapping[str, str | None], what: str
) -> list[tuple[str, Any]]:
    """The ``vendor_fields`` items, once every key is known to be a vendor field and not an argument.

    ``arguments`` maps a body field that has a normalized argument to that argument's name (None when
    the provider sets it itself); ``what`` names the object in messages ("a PagerDuty incident field").
    """
    if not isinstance(fields, Mapping):
        raise IncidentValidationError("vendor_fields", "must be a dict", vendor=vendor)
    allowed = tuple(allowed)
    for key in fields:
        if key in arguments:
            argument = arguments[key]
            hint = f"use the {argument!r} argument" if argument else "it is set by the provider"
            raise IncidentValidationError(f"vendor_fields.{key}", hint, vendor=vendor)
        if key not in allowed:
            raise IncidentValidationError(
                f"vendor_fields.{key}", f"not {what}; allowed: {', '.join(allowed)}", vendor=vendor
            )
    return list(fields.items())


def url_template_problem(template: str, placeholders: Iterable[str]) -> str | None:
    """Why ``template`` cannot make incident links (None when it can).

    For vendors that return no incident URL, the connection's ``incident_url_template`` builds one: an
    http(s) URL containing ``{incident_id}`` and no placeholder but ``placeholders``.
    """
    names = tuple(placeholders)
    if not template.startswith(("https://", "http://")):
        return "must be an http(s):// URL"
    try:
        template.format(**dict.fromkeys(names, "x"))
    except (KeyError, IndexError, ValueError):
        return "may only use the placeholders " + ", ".join(f"{{{name}}}" for name in names)
    if "{incident_id}" not in template:
        return "must contain {incident_id}"
    return None
