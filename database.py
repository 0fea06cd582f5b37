"""Engines and pools: SQLite's pragmas, PostgreSQL's autocommit read pool and idle pings, and the
raw one-row SELECT of the portal's hot path. models.py keeps the models only."""

import time

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def configure_sqlite(dbapi_connection, _record):
    """SQLite: enforce foreign keys, let readers run beside a writer, wait for locks."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.close()


def autocommit_engine(engine, engine_options):
    """For lone SELECTs such as the portal's page views: on PostgreSQL a second, lazily filled
    pool on `engine`'s database whose connections stay in autocommit (no BEGIN/ROLLBACK round
    trips, and no switch of isolation level at every checkout and return, which would cost a
    tenth of such a view); disposed with `engine`. On SQLite `engine` itself: its driver starts no
    transaction for a SELECT.
    """
    if engine.dialect.name != "postgresql":
        return engine
    reads = create_engine(engine.url, **{**engine_options, "isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None})
    event.listen(engine, "engine_disposed", lambda _engine: reads.dispose())
    return reads


LONE_SELECT_CURSOR = "lone_select_cursor"  # key of a psycopg connection's reused cursor in its pool record's info


class LoneSelect:
    """A SELECT of one row run on a pooled DBAPI connection directly, compiled by SQLAlchemy and
    its values converted by the columns' own types, for the app's most frequent request (a portal
    page view). Core's per-execution machinery (connection and result objects, cursor metadata)
    costs more than the query itself there: about 280,000 of 450,000 instructions on PostgreSQL.

    Database errors come out as SQLAlchemy's, a lost connection invalidated, as from Core.
    """

    def __init__(self, statement):
        self.statement = statement
        self._prepared = {}  # dialect name → (SQL, parameter names in order or None, converters)

    def first(self, engine, params):
        """The first row as a tuple of converted values, or None."""
        sql, names, converters = self._prepare(engine.dialect)
        arguments = [params[name] for name in names] if names is not None else params
        dbapi_error = engine.dialect.loaded_dbapi.Error
        try:
            connection = engine.raw_connection()
        except dbapi_error as error:
            raise exc.DBAPIError.instance(sql, params, error, dbapi_error, dialect=engine.dialect) from error
        try:
            row = _first_row(connection, engine.dialect, sql, arguments)
        except dbapi_error as error:
            lost = engine.dialect.is_disconnect(error, connection.dbapi_connection, None)
            if lost:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(
                sql, params, error, dbapi_error, connection_invalidated=lost, dialect=engine.dialect
            ) from error
        finally:
            connection.close()
        if row is None:
            return None
        return tuple(convert(value) if convert else value for convert, value in zip(converters, row, strict=True))

    def _prepare(self, dialect):
        if dialect.name not in self._prepared:
            compiled = self.statement.compile(dialect=dialect)
            names = list(compiled.positiontup) if compiled.positional else None
            converters = [
                column.type.dialect_impl(dialect).result_processor(dialect, None) for column in self.statement.selected_columns
            ]
            self._prepared[dialect.name] = (str(compiled), names, converters)
        return self._prepared[dialect.name]


def _first_row(connection, dialect, sql, arguments):
    """The first row of `sql` on a pooled connection.

    psycopg holds the whole result on the client, so its cursor is kept with the connection (the
    pool drops it with a replaced connection) and reused, asking for binary results: together a
    third less CPU per lone SELECT, on our side and the server's. Any other driver's cursor is
    closed at once (an open SQLite statement would keep its read snapshot).
    """
    if dialect.driver != "psycopg":
        cursor = connection.cursor()
        cursor.execute(sql, arguments)
        row = cursor.fetchone()
        cursor.close()
        return row
    cursor = connection.info.get(LONE_SELECT_CURSOR)
    if cursor is None or cursor.closed:
        cursor = connection.info[LONE_SELECT_CURSOR] = connection.dbapi_connection.cursor(binary=True)
    cursor.execute(sql, arguments)
    return cursor.fetchone()


def ping_when_idle(engine, idle_seconds):
    """Check a pooled connection before use only when it has sat unused for `idle_seconds` or more.

    An idle connection is the one a database restart, a failover or a firewall's idle timeout may
    have cut; a dead one is replaced before the request sees it. A connection in steady use is not
    pinged (SQLAlchemy's pool_pre_ping would cost every request one more round trip): if it dies
    in use, that request answers 503 and the connection is replaced (Core also discards the pool's
    older ones).
    """

    @event.listens_for(engine, "checkin")
    def remember_when_idle(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"connection idle for {time.monotonic() - idle_since:.0f} s failed its ping") from error
