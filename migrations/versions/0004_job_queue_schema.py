"""job queue: procrastinate's tables and functions in the shared database

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 22:00:00

The queue's schema is the one shipped with the pinned procrastinate release
(pyproject pins the minor version). A procrastinate upgrade comes with a new
revision that applies that release's own SQL migrations.
"""

from collections.abc import Sequence

from alembic import op
from procrastinate.schema import SchemaManager

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(SchemaManager.get_schema())


DROP_QUEUE_OBJECTS = """
DO $$
DECLARE obj record;
BEGIN
    FOR obj IN SELECT c.relname FROM pg_class c
               WHERE c.relnamespace = current_schema()::regnamespace
                 AND c.relkind IN ('r', 'v') AND c.relname LIKE 'procrastinate%' LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', obj.relname);
    END LOOP;
    FOR obj IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
               WHERE p.pronamespace = current_schema()::regnamespace AND p.proname LIKE 'procrastinate%' LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', obj.sig);
    END LOOP;
    FOR obj IN SELECT t.typname FROM pg_type t
               WHERE t.typnamespace = current_schema()::regnamespace AND t.typname LIKE 'procrastinate%'
                 AND t.typtype IN ('e', 'c') LOOP
        EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', obj.typname);
    END LOOP;
END $$;
"""


def downgrade() -> None:
    op.execute(DROP_QUEUE_OBJECTS)
