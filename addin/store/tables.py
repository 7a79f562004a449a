"""SQLAlchemy tables of the OKR store. Every row belongs to a tenant.

Text rule (the same on SQLite and PostgreSQL, checklist TXT-3 / DB-3): every string that
enters the store passes ``text_for_store``, which drops NUL (``\\x00``, which PostgreSQL text
cannot hold) and replaces lone surrogates (which no UTF-8 database can hold) with U+FFFD.
Everything else -- other control characters, RTL text, emoji, 30,000-character notes --
is stored exactly. Text columns are unbounded; uniqueness on user text (team names,
objective titles) goes through a SHA-256 key column so long text never hits an index limit.

Times are stored as naive UTC and come back timezone-aware (UTC) on both databases.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import unicodedata
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from addin.errors import InputError

TENANT_LEN = 100
KR_ID_LEN = 16
WORKBOOK_ID_LEN = 64
KEY_LEN = 64  # sha256 hex
PERIOD_LEN = 20  # "2026-Q4", "FY2026"


def text_for_store(value: str) -> str:
    """The store's text rule: drop NUL, replace lone surrogates with U+FFFD."""
    if value.isascii():  # the common case, checked in C
        return value.replace("\x00", "") if "\x00" in value else value
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: one U+FFFD each
        value = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in value)
    return value


def text_key(value: str) -> str:
    """Identity key of a name or title: NFC, trimmed, spaces collapsed, case-folded."""
    # names repeat on every row of a big workbook: cache the short ones
    return _cached_text_key(value) if len(value) <= 512 else _text_key(value)


def _text_key(value: str) -> str:
    norm = " ".join(unicodedata.normalize("NFC", text_for_store(value)).split()).casefold()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


_cached_text_key = functools.lru_cache(maxsize=65_536)(_text_key)


def _utf8_safe(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _sanitise(value: Any) -> Any:
    if isinstance(value, str):
        return text_for_store(value)
    if isinstance(value, dict):
        return {_sanitise(k): _sanitise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_sanitise(v) for v in value]
    return value


class CleanText(TypeDecorator[str]):
    """Unbounded text that follows the store's text rule."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else text_for_store(str(value))

    @staticmethod
    def fast_bind(value: Any) -> str:
        """process_bind_param for a value known not to be None (bulk writes)."""
        return text_for_store(value if type(value) is str else str(value))


class CleanString(TypeDecorator[str]):
    """Short bounded text (ids, codes) that follows the store's text rule."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else text_for_store(str(value))

    fast_bind = staticmethod(CleanText.fast_bind)


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)  # built once: fast


class JsonText(TypeDecorator[Any]):
    """JSON kept as text (not jsonb: no \\u0000 or key-order surprises), strings cleaned."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not value and isinstance(value, list | tuple):  # most depends_on lists
            return "[]"
        text = _JSON.encode(value)
        if text.isascii() and "\\u0000" not in text:  # nothing to clean (the common case)
            return text
        if "\\u0000" in text or not _utf8_safe(text):
            text = _JSON.encode(_sanitise(value))
        return text

    def fast_bind(self, value: Any) -> str | None:
        return self.process_bind_param(value, None)  # type: ignore[arg-type]  # dialect unused

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return [] if value == "[]" else json.loads(value)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime, stored naive (the same on every database)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class FiniteFloat(TypeDecorator[float]):
    """A float that is never NaN or infinite (SQLite would turn NaN into NULL)."""

    impl = Float
    cache_ok = True

    def process_bind_param(self, value: float | None, dialect: Dialect) -> float | None:
        if value is None:
            return None
        return self.fast_bind(value)

    @staticmethod
    def fast_bind(value: Any) -> float:
        number = float(value)
        if not math.isfinite(number):
            raise InputError(f"{value!r} is not a number that can be stored", code="non_finite_number")
        return number


PrimaryKey = BigInteger().with_variant(Integer(), "sqlite")  # SQLite: a rowid alias

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every store table (other modules add theirs to the same metadata)."""

    # every mapping here is a plain Table; SQLAlchemy types __table__ as the wider FromClause
    # (sqlalchemy#9130 gives this narrowing as the way to say so)
    __table__: ClassVar[Table]

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        str: CleanText(),
        float: FiniteFloat(),
        dt.datetime: UtcDateTime(),
        dt.date: Date(),
        dt.time: Time(),
        int: Integer(),
    }


def tenant_column() -> Mapped[str]:
    return mapped_column(String(TENANT_LEN), nullable=False)


class TeamRow(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name_key"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    name: Mapped[str]
    name_key: Mapped[str] = mapped_column(String(KEY_LEN))
    lead: Mapped[str | None]
    members: Mapped[list[str]] = mapped_column(JsonText(), default=list)
    checkin_weekday: Mapped[int] = mapped_column(default=0)
    checkin_time: Mapped[dt.time]
    timezone: Mapped[str] = mapped_column(CleanString(64), default="UTC")
    meeting_minutes: Mapped[int] = mapped_column(default=30)
    parent: Mapped[str | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class ObjectiveRow(Base):
    __tablename__ = "objectives"
    __table_args__ = (UniqueConstraint("tenant_id", "team_id", "period", "title_key"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    team_id: Mapped[int] = mapped_column(PrimaryKey, ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str]
    title_key: Mapped[str] = mapped_column(String(KEY_LEN))
    period: Mapped[str] = mapped_column(String(PERIOD_LEN))  # "2026-Q4", or "FY2026" for an annual one
    type: Mapped[str] = mapped_column(String(20), default="committed")
    ref: Mapped[str | None]
    aligns_to: Mapped[str | None]
    weight: Mapped[float | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class KeyResultRow(Base):
    __tablename__ = "key_results"
    __table_args__ = (
        UniqueConstraint("tenant_id", "public_id"),
        Index("ix_key_results_tenant_id_quarter", "tenant_id", "quarter"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    public_id: Mapped[str] = mapped_column(String(KR_ID_LEN))  # "KR-7F3A2C"
    objective_id: Mapped[int] = mapped_column(PrimaryKey, ForeignKey("objectives.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str]
    ref: Mapped[str | None]
    owner: Mapped[str | None]
    baseline: Mapped[float | None]
    target: Mapped[float | None]
    current: Mapped[float | None]
    unit: Mapped[str] = mapped_column(default="")
    confidence: Mapped[float | None]
    due: Mapped[dt.date | None]
    kind: Mapped[str | None] = mapped_column(String(20))
    aligns_to: Mapped[str | None]
    depends_on: Mapped[list[str]] = mapped_column(JsonText(), default=list)
    notes: Mapped[str] = mapped_column(default="")
    weight: Mapped[float | None]
    quarter: Mapped[str] = mapped_column(String(PERIOD_LEN))  # "2026-Q4": every KR belongs to one quarter
    continues: Mapped[str | None] = mapped_column(String(KR_ID_LEN))  # the KR it carries over
    workbook_id: Mapped[str | None] = mapped_column(CleanString(WORKBOOK_ID_LEN))  # last synced from
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    archived_at: Mapped[dt.datetime | None]


class CheckInRow(Base):
    __tablename__ = "check_ins"
    __table_args__ = (Index("ix_check_ins_tenant_id_key_result_id_at", "tenant_id", "key_result_id", "at"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    key_result_id: Mapped[int] = mapped_column(PrimaryKey, ForeignKey("key_results.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime]
    value: Mapped[float | None]
    confidence: Mapped[float | None]
    note: Mapped[str] = mapped_column(default="")
    source: Mapped[str] = mapped_column(CleanString(20), default="workbook")


class InitiativeRow(Base):
    __tablename__ = "initiatives"
    __table_args__ = (Index("ix_initiatives_tenant_id_workbook_id", "tenant_id", "workbook_id"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    workbook_id: Mapped[str | None] = mapped_column(CleanString(WORKBOOK_ID_LEN))
    kr_ref: Mapped[str]  # a KR id where it could be resolved, else the workbook's outline number
    title: Mapped[str]
    owner: Mapped[str | None]
    status: Mapped[str] = mapped_column(default="")


class SettingsRow(Base):
    __tablename__ = "settings"

    tenant_id: Mapped[str] = mapped_column(String(TENANT_LEN), primary_key=True)
    quarter: Mapped[str | None] = mapped_column(CleanString(20))
    fiscal_year_start_month: Mapped[int] = mapped_column(default=1)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JsonText(), default=dict)
    updated_at: Mapped[dt.datetime]


class WorkbookRow(Base):
    __tablename__ = "workbooks"
    __table_args__ = (UniqueConstraint("tenant_id", "workbook_id"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    workbook_id: Mapped[str] = mapped_column(CleanString(WORKBOOK_ID_LEN))
    # {kr_id: {field: value}} as of the last sync: the base of the next three-way merge
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JsonText())
    created_at: Mapped[dt.datetime]
    synced_at: Mapped[dt.datetime | None]


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        Index("ix_findings_tenant_id_team_key", "tenant_id", "team_key"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    key: Mapped[str] = mapped_column(String(KEY_LEN))  # okr.history.finding_key
    team_key: Mapped[str | None] = mapped_column(String(KEY_LEN))
    quarter: Mapped[str | None] = mapped_column(String(PERIOD_LEN))  # the quarter whose lint found it
    rule: Mapped[str]
    pitfall: Mapped[str | None]
    severity: Mapped[str] = mapped_column(String(10))
    location: Mapped[dict[str, Any]] = mapped_column(JsonText())
    message: Mapped[str]
    suggestion: Mapped[str] = mapped_column(default="")
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
