"""The landing contract: each source's folder, file pattern, format, columns and the
validators its rows must pass (docs/LANDING.md; mirrored by the macro
bronze_landing_specs for COPY INTO on Databricks)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

META_COLUMNS: tuple[str, ...] = (
    "_source_file",
    "_file_hash",
    "_row_number",
    "_ingested_at",
    "_is_rejected",
    "_reject_reason",
    "_raw_record",
    # the landing file's modification time (UTC): its arrival, for time to insight; last,
    # so an older bronze table gains it as an appended column (on_schema_change)
    "_file_modified_at",
)


class LandingError(FileNotFoundError):
    """The landing folder is missing: there is nothing to read."""


@dataclass(frozen=True)
class Validator:
    """A check on a non-blank raw value; `description` completes "<field> '<v>' is not ..."."""

    description: str
    check: Callable[[str], object]


@dataclass(frozen=True)
class FieldSpec:
    column: str  # bronze column name
    native: str  # CSV header name, or dotted path into the JSON object
    required: bool = False  # missing or blank => row rejected
    validator: Validator | None = None  # a non-blank value must pass, else row rejected
    as_json: bool = False  # JSON only: keep the value as compact JSON text (arrays)


@dataclass(frozen=True)
class SourceSpec:
    name: str
    folder: str
    pattern: str  # file-name glob inside the folder
    fmt: Literal["csv", "jsonl"]
    fields: tuple[FieldSpec, ...]

    @property
    def columns(self) -> list[str]:
        """Bronze data columns, in order (metadata columns follow them)."""
        return [f.column for f in self.fields]

    @property
    def header(self) -> list[str]:
        """The exact CSV header the native export has (CSV sources)."""
        return [f.native for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.column for f in self.fields if f.required]

    @property
    def validators(self) -> dict[str, Validator]:
        return {f.column: f.validator for f in self.fields if f.validator is not None}


def _digits(pattern: str) -> Callable[[str], object]:
    return re.compile(pattern).fullmatch


_SHOP_TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_ISO_Z_TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DMY_TS = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4}) ([0-9]{2}):([0-9]{2})")


def _is_shop_timestamp(value: str) -> bool:
    """`%Y-%m-%d %H:%M:%S`, two-digit fields, a real calendar date and time."""
    if _SHOP_TS.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_iso_z_timestamp(value: str) -> bool:
    """`%Y-%m-%dT%H:%M:%SZ` (UTC)."""
    if _ISO_Z_TS.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value[:-1])
    except ValueError:
        return False
    return True


def _is_iso_date(value: str) -> bool:
    """`%Y-%m-%d`."""
    if _ISO_DATE.fullmatch(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_dmy_timestamp(value: str) -> bool:
    """`%d/%m/%Y %H:%M` (day first)."""
    match = _DMY_TS.fullmatch(value)
    if match is None:
        return False
    day, month, year, hour, minute = (int(g) for g in match.groups())
    try:
        datetime(year, month, day, hour, minute)
    except ValueError:
        return False
    return True


RATING_1_5 = Validator("an integer 1-5", _digits(r"[1-5]"))
SCORE_0_10 = Validator("an integer 0-10", _digits(r"10|[0-9]"))
INTEGER_ID = Validator("an integer", _digits(r"[0-9]{1,18}"))
SHOP_TIMESTAMP = Validator("a timestamp in the format YYYY-MM-DD HH:MM:SS", _is_shop_timestamp)
ISO_Z_TIMESTAMP = Validator("a timestamp in the format YYYY-MM-DDTHH:MM:SSZ", _is_iso_z_timestamp)
ISO_DATE = Validator("a date in the format YYYY-MM-DD", _is_iso_date)
DMY_TIMESTAMP = Validator("a timestamp in the format DD/MM/YYYY HH:MM", _is_dmy_timestamp)
FEEDBACK_ID = Validator(
    "a feedback id like shop:R-1001 (the source: shop, helpdesk, appstore, survey or a custom "
    "source's name, a colon, the record id)",
    _digits(r"[a-z][a-z0-9_]*:\S+"),
)
SPLIT = Validator("one of train, calibration, test", _digits(r"train|calibration|test"))
CATEGORY_ID = Validator(
    "a category id (lower case letters, digits and _)", _digits(r"[a-z][a-z0-9_]*")
)
SENTIMENT = Validator(
    "one of positive, neutral, negative, mixed", _digits(r"positive|neutral|negative|mixed")
)
URGENCY = Validator("one of low, medium, high, critical", _digits(r"low|medium|high|critical"))
# the seed's three verdicts; `feedback review import` turns "needs refinement" into the id
VERDICT = Validator(
    "one of useful, incorrect, needs_refinement",
    _digits(r"useful|incorrect|needs_refinement"),
)

SOURCES: dict[str, SourceSpec] = {
    "shop": SourceSpec(
        name="shop",
        folder="shop",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("review_id", "Review ID", required=True),
            FieldSpec("product_sku", "Product SKU"),
            FieldSpec("rating", "Rating", required=True, validator=RATING_1_5),
            FieldSpec("review_title", "Review Title"),
            FieldSpec("review_body", "Review Body"),
            FieldSpec("created_at", "Created At", required=True, validator=SHOP_TIMESTAMP),
            FieldSpec("customer_id", "Customer ID"),
        ),
    ),
    "helpdesk": SourceSpec(
        name="helpdesk",
        folder="helpdesk",
        pattern="*.jsonl",
        fmt="jsonl",
        fields=(
            FieldSpec("ticket_id", "id", required=True, validator=INTEGER_ID),
            FieldSpec("subject", "subject"),
            FieldSpec("description", "description"),
            FieldSpec("created_at", "created_at", required=True, validator=ISO_Z_TIMESTAMP),
            FieldSpec("updated_at", "updated_at", required=True, validator=ISO_Z_TIMESTAMP),
            FieldSpec("status", "status"),
            FieldSpec("priority", "priority"),
            FieldSpec("requester_email", "requester.email"),
            FieldSpec("requester_name", "requester.name"),
            FieldSpec("tags", "tags", as_json=True),
            FieldSpec("channel", "via.channel"),
            FieldSpec("product_sku", "custom_fields.product_sku"),
            FieldSpec("order_number", "custom_fields.order_number"),
            # optional (older exports lack them): when the ticket was solved, and the
            # macros applied (ids; a self-service macro means deflected, docs/insight-to-action.md)
            FieldSpec("solved_at", "solved_at", validator=ISO_Z_TIMESTAMP),
            FieldSpec("macro_ids", "macro_ids", as_json=True),
        ),
    ),
    "appstore": SourceSpec(
        name="appstore",
        folder="appstore",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("platform", "platform"),
            FieldSpec("app_version", "app_version"),
            FieldSpec("rating", "rating", required=True, validator=RATING_1_5),
            FieldSpec("review_text", "review_text"),
            FieldSpec("review_date", "review_date", required=True, validator=ISO_DATE),
            FieldSpec("country", "country"),
        ),
    ),
    "survey": SourceSpec(
        name="survey",
        folder="survey",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("response_id", "Response ID", required=True),
            FieldSpec("score", "Score", required=True, validator=SCORE_0_10),
            FieldSpec("comment", "Comment"),
            FieldSpec("submitted_at", "Submitted At", required=True, validator=DMY_TIMESTAMP),
            FieldSpec("customer_id", "Customer ID"),
        ),
    ),
    "crm": SourceSpec(
        name="crm",
        folder="crm",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("customer_id", "customer_id", required=True),
            FieldSpec("email", "email"),
            FieldSpec("tier", "tier"),
            FieldSpec("country", "country"),
            FieldSpec("signed_up_on", "signed_up_on", validator=ISO_DATE),
        ),
    ),
    # Human review decisions (`feedback review import` writes them; see README "From
    # insight to action"). A landing folder without reviews/ simply has no decisions.
    "reviews": SourceSpec(
        name="reviews",
        folder="reviews",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("feedback_id", "feedback_id", required=True, validator=FEEDBACK_ID),
            FieldSpec("reviewer", "reviewer", required=True),
            FieldSpec("decided_at", "decided_at", required=True, validator=ISO_Z_TIMESTAMP),
            FieldSpec("corrected_category", "corrected_category", validator=CATEGORY_ID),
            FieldSpec("corrected_sentiment", "corrected_sentiment", validator=SENTIMENT),
            FieldSpec("corrected_urgency", "corrected_urgency", validator=URGENCY),
            FieldSpec("verdict", "verdict", required=True, validator=VERDICT),
            FieldSpec("note", "note"),
        ),
    ),
    # Human gold labels for evaluation (README "Quality and evaluation"): a label scheme
    # other than the taxonomy's is mapped by the seed gold_label_mapping.
    "gold": SourceSpec(
        name="gold",
        folder="gold",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("feedback_id", "feedback_id", required=True, validator=FEEDBACK_ID),
            FieldSpec("gold_category", "gold_category"),
            FieldSpec("gold_sentiment", "gold_sentiment", validator=SENTIMENT),
            FieldSpec("label_scheme", "label_scheme", required=True),
            FieldSpec("split", "split", validator=SPLIT),
            FieldSpec("labeller", "labeller"),
        ),
    ),
    # The state of the Jira issues the alerts created, as `feedback alerts sync` read it
    # (docs/insight-to-action.md); one file per sync, the latest line per issue wins.
    "jira": SourceSpec(
        name="jira",
        folder="jira",
        pattern="*.jsonl",
        fmt="jsonl",
        fields=(
            FieldSpec("issue_key", "issue_key", required=True),
            FieldSpec("alert_id", "alert_id"),
            FieldSpec("alert_type", "alert_type"),
            FieldSpec("main_category", "main_category"),
            FieldSpec("status_name", "status_name"),
            FieldSpec("status_category", "status_category"),
            FieldSpec("resolution_date", "resolution_date", validator=ISO_Z_TIMESTAMP),
            FieldSpec("updated", "updated", validator=ISO_Z_TIMESTAMP),
            FieldSpec("created", "created", validator=ISO_Z_TIMESTAMP),
            FieldSpec("synced_at", "synced_at", required=True, validator=ISO_Z_TIMESTAMP),
        ),
    ),
}
