"""Candidates: search_text (name, e-mail, phone lower-cased) with a substring index

PostgreSQL: pg_trgm and a GIN trigram index. SQLite: an FTS5 trigram table kept in step by
triggers. The DDL is the app's own (models.POSTGRESQL_SEARCH_DDL / SQLITE_SEARCH_DDL), copied
here so that this revision stays as it was when later models change.

Revision ID: c3f5e1b4a023
Revises: b2e4d0a3f912
Create Date: 2026-12-02 06:42:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c3f5e1b4a023"
down_revision = "b2e4d0a3f912"
branch_labels = None
depends_on = None

POSTGRESQL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_candidates_search_text_trgm ON candidates USING gin (search_text gin_trgm_ops)",
)
SQLITE = (
    "CREATE VIRTUAL TABLE candidates_search USING fts5(search_text, candidate_id UNINDEXED, tokenize = 'trigram')",
    "CREATE TRIGGER candidates_search_insert AFTER INSERT ON candidates BEGIN "
    "INSERT INTO candidates_search (search_text, candidate_id) VALUES (new.search_text, new.id); END",
    "CREATE TRIGGER candidates_search_update AFTER UPDATE OF search_text ON candidates BEGIN "
    "UPDATE candidates_search SET search_text = new.search_text WHERE candidate_id = old.id; END",
    "CREATE TRIGGER candidates_search_delete AFTER DELETE ON candidates BEGIN "
    "DELETE FROM candidates_search WHERE candidate_id = old.id; END",
    "INSERT INTO candidates_search (search_text, candidate_id) SELECT search_text, id FROM candidates",
)


def upgrade():
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    conn = op.get_bind()
    # Lower-cased by Python, as the app does, so that both databases match the same rows.
    rows = conn.execute(sa.text("SELECT id, full_name, email, phone FROM candidates")).all()
    update = sa.text("UPDATE candidates SET search_text = :text WHERE id = :id")
    for row in rows:
        conn.execute(update, {"id": row.id, "text": " ".join(part or "" for part in row[1:]).lower()})
    for statement in POSTGRESQL if conn.dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.drop_index("ix_candidates_search_text_trgm", table_name="candidates")
    else:
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER candidates_search_{trigger}")
        op.execute("DROP TABLE candidates_search")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("search_text")
