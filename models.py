"""The data model. Small model methods only: no HTTP, no e-mail (those live in services/)."""

import enum
import uuid
from datetime import UTC, datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    event,
    util,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, query_expression, registry, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from services import timeutil

# Hashes made outside an app: Werkzeug's default, as config.py's PASSWORD_HASH_METHOD is in production.
DEFAULT_PASSWORD_HASH_METHOD = "scrypt"

# Named constraints so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class PartialIndex(Index):
    """An index over the rows `where` matches, on SQLite and PostgreSQL alike.

    The clause joins a dialect's options (as its `sqlite_where` / `postgresql_where`) when that
    dialect first reads them, at DDL or in Alembic, rather than being passed as those keywords:
    SQLAlchemy checks dialect keywords by loading the dialect, and loading PostgreSQL's on SQLite
    was a fifth of this module's import.
    """

    WHERE_DIALECTS = ("postgresql", "sqlite")

    def __init__(self, name, *columns, where, **kw):
        self.where = where
        super().__init__(name, *columns, **kw)

    @util.memoized_property
    def dialect_options(self):
        return util.PopulateDict(self._options_of_dialect)

    def _options_of_dialect(self, dialect_name):
        options = self._kw_reg_for_dialect_cls(dialect_name)
        if dialect_name in self.WHERE_DIALECTS:
            options["where"] = self.where
        return options


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every backend (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING),
        type_annotation_map={datetime: UTCDateTime, dict: JSON, list: JSON},
    )


db = SQLAlchemy(model_class=Base)


def new_id():
    return uuid.uuid4()


def utcnow():
    return timeutil.now()


def enum_values(enum_cls):
    """The values of an enum, as the database stores them and forms offer them."""
    return [member.value for member in enum_cls]


def enum_column(column, default):
    """A VARCHAR as long as the enum's longest value (not a native ENUM), checked by `<column>_valid`.

    The CHECK is named after the column, not the enum, because one enum types several columns;
    NAMING makes it ck_<table>_<column>_valid.
    """
    enum_type = Enum(
        type(default), name=f"{column}_valid", native_enum=False, create_constraint=True, values_callable=enum_values
    )
    # A plain str server default: Alembic's autogenerate writes it with repr().
    return mapped_column(column, enum_type, default=default, server_default=default.value)


class Role(enum.StrEnum):
    ADMIN = "admin"
    RECRUITER = "recruiter"


class CodingLanguage(enum.StrEnum):
    PYTHON = "PYTHON"
    JAVASCRIPT = "JAVASCRIPT"
    JAVA = "JAVA"
    PHP = "PHP"
    RUBY = "RUBY"
    CSHARP = "CSHARP"
    SQL = "SQL"


class CandidateStatus(enum.StrEnum):
    NEW = "new"
    SCHEDULED = "scheduled"
    INTERVIEWED = "interviewed"
    REJECTED = "rejected"
    HIRED = "hired"


class InterviewType(enum.StrEnum):
    TECHNICAL = "technical"
    CODING = "coding"


class SlotStatus(enum.StrEnum):
    AVAILABLE = "available"
    FULL = "full"
    CANCELLED = "cancelled"


class InterviewStatus(enum.StrEnum):
    PENDING = "pending"  # created without a slot (seed 002's two-step API flow)
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


# Interviews that hold a seat in their slot.
ACTIVE_INTERVIEW_STATUSES = (InterviewStatus.SCHEDULED, InterviewStatus.IN_PROGRESS)
# A candidate's open interview for a job: booked and not over, or created and waiting to be booked.
OPEN_INTERVIEW_STATUSES = (InterviewStatus.PENDING, *ACTIVE_INTERVIEW_STATUSES)


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class EmailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"
    UNCONFIGURED = "unconfigured"
    CANCELLED = "cancelled"  # a reminder made moot by a reschedule or cancellation


class InvitationStatus(enum.StrEnum):
    SENT = "sent"
    OPENED = "opened"
    BOOKED = "booked"
    EXPIRED = "expired"
    REVOKED = "revoked"


# Invitations whose link still books: sent and not yet used, expired or revoked.
UNUSED_INVITATION_STATUSES = (InvitationStatus.SENT, InvitationStatus.OPENED)


class Decision(enum.StrEnum):
    PENDING = "pending"
    ADVANCE = "advance"
    REJECT = "reject"
    HIRE = "hire"


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = enum_column("role", Role.RECRUITER)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql_text("true"))
    timezone: Mapped[str | None] = mapped_column(String(64))
    notify_on_booking: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    last_login_at: Mapped[datetime | None]
    # Two-factor sign-in: the confirmed TOTP secret (never shown again), one being enrolled, and the
    # last time step accepted, so a code cannot be replayed within its window.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    def set_password(self, password):
        """Store a hash of `password` made with the app's PASSWORD_HASH_METHOD."""
        # Outside an app (a script using the models alone) Werkzeug's scrypt, as in production.
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else DEFAULT_PASSWORD_HASH_METHOD
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self):
        return self.role == Role.ADMIN

    @property
    def is_active(self):
        return self.is_enabled

    @property
    def has_two_factor(self):
        return self.totp_secret is not None

    @property
    def display_name(self):
        return self.full_name or self.email

    def __repr__(self):
        return f"<User {self.email} {self.role}>"


class LoginSession(db.Model):
    """A server-side record of one sign-in, so logout and idle timeout really end it."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(256), default="")

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(TimestampMixin, db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(db.Model):
    """A one-time code that stands in for a TOTP code (stored hashed; used once)."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class PasswordResetToken(TimestampMixin, db.Model):
    """A single-use password-reset link (only the hash of its token is stored)."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class OrgSettings(db.Model):
    """Settings of the whole organisation: one row (id 1)."""

    __tablename__ = "org_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    # The brand candidates and e-mails see (services/branding.py); None means the default.
    organisation_name: Mapped[str | None] = mapped_column(String(120))
    logo_file: Mapped[str | None] = mapped_column(String(64))  # e.g. logo-<sha256 prefix>.png in UPLOAD_FOLDER/branding
    accent_color: Mapped[str | None] = mapped_column(String(7))  # #rrggbb, checked for contrast


class Domain(db.Model):
    __tablename__ = "domains"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80), unique=True)

    def __str__(self):
        return self.name


class Job(TimestampMixin, db.Model):
    __tablename__ = "jobs"
    __table_args__ = (CheckConstraint("duration_minutes > 0 AND duration_minutes <= 480", name="duration_range"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    job_title: Mapped[str] = mapped_column(String(200))
    company_name: Mapped[str] = mapped_column(String(200))
    job_description: Mapped[str] = mapped_column(Text, default="")
    coding_language: Mapped[CodingLanguage] = enum_column("coding_language", CodingLanguage.PYTHON)
    domain_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("domains.id", ondelete="SET NULL"), index=True)
    tech_stack_details: Mapped[str | None] = mapped_column(Text)  # legacy, kept for old imports
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    archived_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Candidate self-scheduling rules (services/job_rules.py reads them; defaults in the column).
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=12, server_default="12")
    booking_horizon_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    change_cutoff_hours: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    max_self_reschedules: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    invitation_expiry_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    retakes_allowed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    domain: Mapped[Domain | None] = relationship(lazy="joined")

    @property
    def is_archived(self):
        return self.archived_at is not None

    def __str__(self):
        return f"{self.job_title} at {self.company_name}"


class Resume(TimestampMixin, db.Model):
    __tablename__ = "resumes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    original_filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)  # generated; never user input
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    parsed_text: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Lists load this (`with_expression(Resume.text_present, Resume.parsed_text != "")`) instead of the text.
    text_present: Mapped[bool | None] = query_expression()

    @property
    def has_text(self):
        return bool(self.parsed_text and self.parsed_text.strip())


class Candidate(TimestampMixin, db.Model):
    __tablename__ = "candidates"
    __table_args__ = (
        UniqueConstraint("job_id", "email", name="uq_candidates_job_email"),
        CheckConstraint("work_experience IS NULL OR work_experience >= 0", name="experience_non_negative"),
        # The list's order (newest first) and its keyset pagination.
        Index("ix_candidates_created_at_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    work_experience: Mapped[int | None] = mapped_column(Integer)  # years
    domain_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("domains.id", ondelete="SET NULL"))
    status: Mapped[CandidateStatus] = enum_column("status", CandidateStatus.NEW)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="RESTRICT"), index=True)
    resume_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("resumes.id", ondelete="SET NULL"))
    timezone: Mapped[str | None] = mapped_column(String(64))  # the candidate's own zone, when known
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Name, e-mail and phone lower-cased by Python, so search matches alike on every database;
    # indexed for substring search (trigrams: a GIN index on PostgreSQL, FTS5 on SQLite).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    job: Mapped[Job] = relationship(lazy="joined")
    domain: Mapped[Domain | None] = relationship()
    resume: Mapped[Resume | None] = relationship()

    def __str__(self):
        return f"{self.full_name} <{self.email}>"


def candidate_search_text(*parts):
    """What candidate search matches words against: the parts joined by spaces, lower-cased."""
    return " ".join(part or "" for part in parts).lower()


@event.listens_for(Candidate, "before_insert")
@event.listens_for(Candidate, "before_update")
def _fill_search_text(_mapper, _connection, candidate):
    candidate.search_text = candidate_search_text(candidate.full_name, candidate.email, candidate.phone)


# Substring search by index. PostgreSQL: a trigram GIN index on search_text. SQLite: an FTS5 table
# with the trigram tokenizer, kept in step by triggers and keyed by the candidate's id (not the
# rowid, which VACUUM may renumber). The migration creates the same; env.py keeps autogenerate off them.
SEARCH_OBJECT_PREFIXES = ("candidates_search", "ix_candidates_search_text_trgm")


def kept_by_autogenerate(_obj, name, _type, _reflected, _compare_to):
    """Alembic's include_object: everything but the search objects, which their migration owns."""
    return not (name or "").startswith(SEARCH_OBJECT_PREFIXES)


POSTGRESQL_SEARCH_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_candidates_search_text_trgm ON candidates USING gin (search_text gin_trgm_ops)",
)
SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE candidates_search USING fts5(search_text, candidate_id UNINDEXED, tokenize = 'trigram')",
    "CREATE TRIGGER candidates_search_insert AFTER INSERT ON candidates BEGIN "
    "INSERT INTO candidates_search (search_text, candidate_id) VALUES (new.search_text, new.id); END",
    "CREATE TRIGGER candidates_search_update AFTER UPDATE OF search_text ON candidates BEGIN "
    "UPDATE candidates_search SET search_text = new.search_text WHERE candidate_id = old.id; END",
    "CREATE TRIGGER candidates_search_delete AFTER DELETE ON candidates BEGIN "
    "DELETE FROM candidates_search WHERE candidate_id = old.id; END",
)
for _dialect, _statements in (("postgresql", POSTGRESQL_SEARCH_DDL), ("sqlite", SQLITE_SEARCH_DDL)):
    for _statement in _statements:
        event.listen(Candidate.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
# drop_all mirrors create_all: SQLite's search table is no part of the candidates table (its
# triggers are, and go with it); PostgreSQL's index goes with the table.
event.listen(Candidate.__table__, "before_drop", DDL("DROP TABLE IF EXISTS candidates_search").execute_if(dialect="sqlite"))


class InterviewSlot(TimestampMixin, db.Model):
    __tablename__ = "interview_slots"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("max_candidates >= 1", name="capacity_positive"),
        CheckConstraint("current_bookings >= 0", name="bookings_non_negative"),
        CheckConstraint("current_bookings <= max_candidates", name="never_overbooked"),
        Index("ix_interview_slots_job_start", "job_id", "start_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="RESTRICT"))
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]
    ai_interview_type: Mapped[InterviewType] = enum_column("ai_interview_type", InterviewType.TECHNICAL)
    max_candidates: Mapped[int] = mapped_column(Integer, default=1)
    current_bookings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[SlotStatus] = enum_column("status", SlotStatus.AVAILABLE)
    cancelled_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    job: Mapped[Job] = relationship(lazy="joined")

    @property
    def seats_left(self):
        return max(self.max_candidates - self.current_bookings, 0)

    @property
    def duration_minutes(self):
        return int((self.end_at - self.start_at).total_seconds() // 60)


class Interview(TimestampMixin, db.Model):
    __tablename__ = "interviews"
    __table_args__ = (
        # The dashboard's sections and capped counts, with and without its job and state filters.
        Index("ix_interviews_started_at", "started_at"),
        Index("ix_interviews_status_started_at", "status", "started_at"),
        Index("ix_interviews_job_started_at", "job_id", "started_at"),
        Index("ix_interviews_job_status_started_at", "job_id", "status", "started_at"),
        # One active booking per candidate and slot, whatever the race.
        PartialIndex(
            "uq_interviews_active_candidate_slot",
            "candidate_id",
            "slot_id",
            unique=True,
            where=sql_text("status IN ('scheduled', 'in_progress')"),
        ),
        # At most one open interview per candidate and job (a second booking is a reschedule).
        PartialIndex(
            "uq_interviews_open_candidate_job",
            "candidate_id",
            "job_id",
            unique=True,
            where=sql_text("status IN ('pending', 'scheduled', 'in_progress')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="RESTRICT"), index=True)
    slot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("interview_slots.id", ondelete="RESTRICT"), index=True)
    status: Mapped[InterviewStatus] = enum_column("status", InterviewStatus.PENDING)
    started_at: Mapped[datetime | None]  # scheduled start (seed name), UTC
    ended_at: Mapped[datetime | None]  # scheduled end, UTC
    session_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # iCalendar SEQUENCE
    cancelled_at: Mapped[datetime | None]
    decision: Mapped[Decision] = enum_column("decision", Decision.PENDING)
    review_notes: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when the candidate booked it from a scheduling link (their e-mails then carry the manage link).
    scheduling_invitation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("scheduling_invitations.id", ondelete="SET NULL"), index=True
    )

    candidate: Mapped[Candidate] = relationship(lazy="joined")
    job: Mapped[Job] = relationship()
    slot: Mapped[InterviewSlot | None] = relationship()
    schedule: Mapped["InterviewSchedule | None"] = relationship(back_populates="interview", uselist=False)
    session: Mapped["InterviewSession | None"] = relationship(back_populates="interview", uselist=False)

    @property
    def is_active(self):
        return self.status in ACTIVE_INTERVIEW_STATUSES


class SchedulingInvitation(TimestampMixin, db.Model):
    """A recruiter's invitation to a candidate to pick a slot of a job themselves.

    Its links are SchedulingTokens (only their hashes are stored); the latest invitation of a
    candidate for a job is the live one (a new one revokes the older).
    """

    __tablename__ = "scheduling_invitations"
    __table_args__ = (
        CheckConstraint("reschedules_used >= 0", name="reschedules_non_negative"),
        Index("ix_scheduling_invitations_candidate_job", "candidate_id", "job_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="RESTRICT"), index=True)
    status: Mapped[InvitationStatus] = enum_column("status", InvitationStatus.SENT)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    reschedules_used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_retake: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    candidate: Mapped[Candidate] = relationship(lazy="joined")
    job: Mapped[Job] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()

    @property
    def is_unused(self):
        return self.status in UNUSED_INVITATION_STATUSES


class SchedulingToken(TimestampMixin, db.Model):
    """One link of an invitation: the SHA-256 of a secrets.token_urlsafe(32). Every e-mail that
    carries the link gets its own (the raw token is never stored); all die with the invitation."""

    __tablename__ = "scheduling_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    invitation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scheduling_invitations.id", ondelete="CASCADE"), index=True)


class WaitlistEntry(db.Model):
    """A candidate waiting for a seat of a job (through their invitation), told when one appears."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (Index("ix_waitlist_entries_job_waiting", "job_id", "notified_at", "joined_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    invitation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scheduling_invitations.id", ondelete="CASCADE"), unique=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_at: Mapped[datetime | None]  # None while waiting; set when told of an opening

    invitation: Mapped[SchedulingInvitation] = relationship(lazy="joined")


class InterviewSchedule(TimestampMixin, db.Model):
    __tablename__ = "interview_schedules"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    interview_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), unique=True)
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interview_slots.id", ondelete="RESTRICT"), index=True)
    booking_notes: Mapped[str] = mapped_column(Text, default="")
    booked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    interview: Mapped[Interview] = relationship(back_populates="schedule")
    slot: Mapped[InterviewSlot] = relationship()


class InterviewSession(TimestampMixin, db.Model):
    """The candidate-facing snapshot taken at booking; editing the job later never changes it."""

    __tablename__ = "interview_sessions"
    # The no-show sweep (services/no_shows.py) finds never-started sessions past their window.
    __table_args__ = (Index("ix_interview_sessions_status_scheduled_at", "status", "scheduled_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    interview_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), unique=True)
    session_key: Mapped[str] = mapped_column(String(64), unique=True)
    candidate_name: Mapped[str] = mapped_column(String(200))
    candidate_email: Mapped[str] = mapped_column(String(254))
    candidate_timezone: Mapped[str | None] = mapped_column(String(64))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    company_name: Mapped[str] = mapped_column(String(200), default="")
    # The planning inputs can be long; deferred so the portal's frequent page views and heartbeats
    # do not load them (the interviewer and the review page load them in one query on first use).
    job_description: Mapped[str] = mapped_column(Text, default="", deferred=True, deferred_group="planning")
    resume_text: Mapped[str] = mapped_column(Text, default="", deferred=True, deferred_group="planning")
    coding_language: Mapped[CodingLanguage] = enum_column("coding_language", CodingLanguage.PYTHON)
    interview_type: Mapped[InterviewType] = enum_column("interview_type", InterviewType.TECHNICAL)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    scheduled_at: Mapped[datetime]
    status: Mapped[SessionStatus] = enum_column("status", SessionStatus.SCHEDULED)
    language_code: Mapped[str] = mapped_column(String(16), default="en-IN", server_default="en-IN")
    keyword_analysis: Mapped[dict] = mapped_column(default=dict, deferred=True, deferred_group="planning")
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    current_question_index: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    question_started_at: Mapped[datetime | None]  # when the current question was first shown
    active_client_id: Mapped[str | None] = mapped_column(String(64))  # the tab that holds the interview
    audio_consent_at: Mapped[datetime | None]  # when the candidate agreed to voice answers being recorded
    link_issued_at: Mapped[datetime | None]  # when the API first handed out the link (create_interview_session)

    interview: Mapped[Interview | None] = relationship(back_populates="session")
    questions: Mapped[list["InterviewQuestion"]] = relationship(
        back_populates="session", order_by="InterviewQuestion.position", cascade="all, delete-orphan"
    )


class InterviewQuestion(db.Model):
    __tablename__ = "interview_questions"
    __table_args__ = (UniqueConstraint("session_id", "position", name="uq_interview_questions_session_position"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interview_sessions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # intro, technical, behavioural, coding, closing
    text: Mapped[str] = mapped_column(Text)
    expected_points: Mapped[list] = mapped_column(default=list)
    time_limit_seconds: Mapped[int] = mapped_column(Integer, default=180)
    starter_code: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(40), default="bank")  # bank id or "llm"

    session: Mapped[InterviewSession] = relationship(back_populates="questions")
    answer: Mapped["InterviewAnswer | None"] = relationship(back_populates="question", uselist=False)


class InterviewAnswer(db.Model):
    __tablename__ = "interview_answers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interview_questions.id", ondelete="CASCADE"), unique=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interview_sessions.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str] = mapped_column(Text, default="")
    audio_stored_name: Mapped[str | None] = mapped_column(String(80))
    audio_content_type: Mapped[str | None] = mapped_column(String(100))
    audio_deleted_at: Mapped[datetime | None]  # when the retention policy removed the recording
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    seconds_taken: Mapped[int] = mapped_column(Integer, default=0)
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    keyword_coverage: Mapped[dict] = mapped_column(default=dict)

    question: Mapped[InterviewQuestion] = relationship(back_populates="answer")


class OutboxEmail(TimestampMixin, db.Model):
    """An e-mail written in the transaction that causes it, delivered later by a sender."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # invitation, reschedule, cancellation, reminder, ...
    interview_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    scheduling_invitation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("scheduling_invitations.id", ondelete="CASCADE"), index=True
    )
    to_email: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    ics: Mapped[str | None] = mapped_column(Text)
    # The message as sent, serialised once (when queued to go out now for a configured server, else
    # at its first send) with its SMTP envelope: every attempt sends these bytes. NULL until then.
    mime_message: Mapped[bytes | None] = mapped_column(LargeBinary)
    envelope_from: Mapped[str | None] = mapped_column(String(320))
    envelope_to: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[EmailStatus] = enum_column("status", EmailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)  # while `sending`: when the claim's lease ends
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]

    interview: Mapped[Interview | None] = relationship()


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[dict] = mapped_column(default=dict)

    actor: Mapped[User | None] = relationship()
