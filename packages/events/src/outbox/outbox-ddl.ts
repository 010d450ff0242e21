// Mirrors outbox.sql (outbox-ddl.test.ts keeps the two identical); a TS string needs no file access at runtime.
/** DDL of the `outbox_events` table; subgraph migrations copy it verbatim. */
export const OUTBOX_TABLE_DDL = `-- Transactional outbox: one table per subgraph database (every shard). Events are inserted in the same
-- transaction as the state change they describe, then published to the event bus by the outbox relay.
-- Migrations copy this DDL (it is also exported as OUTBOX_TABLE_DDL from @plaza/events).
CREATE TABLE IF NOT EXISTS outbox_events (
  -- The event id (envelope.id): consumers deduplicate on it.
  id uuid PRIMARY KEY,
  -- Insertion order. created_at cannot order events: now() is the transaction's start time and is shared
  -- by every row of a transaction; the sequence is drawn at insert time, after the writer took its row locks.
  seq bigserial NOT NULL,
  topic text NOT NULL,
  -- The partition key (envelope.aggregateId): per-key order is preserved end to end.
  key text NOT NULL,
  type text NOT NULL,
  version integer NOT NULL,
  -- The whole envelope, as published.
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- When the row left the queue: published, or parked because it is not a valid event (last_error says so).
  published_at timestamptz NULL,
  attempts integer NOT NULL DEFAULT 0,
  last_error text NULL
);

-- The relay's work queue: only unpublished rows, in publish order.
CREATE INDEX IF NOT EXISTS outbox_events_unpublished_idx ON outbox_events (seq) WHERE published_at IS NULL;

-- Per-key ordering check of the relay ("is an older row of this key still pending?").
CREATE INDEX IF NOT EXISTS outbox_events_unpublished_key_idx ON outbox_events (key, seq) WHERE published_at IS NULL;
`;

/**
 * The DDL split into single statements, for drivers that run one statement per call
 * (Prisma's `$executeRawUnsafe`, prepared statements).
 */
export const OUTBOX_TABLE_STATEMENTS: readonly string[] = OUTBOX_TABLE_DDL.split(/;\s*$/m)
  .map((statement) =>
    statement
      .split("\n")
      .filter((line) => !line.trim().startsWith("--"))
      .join("\n")
      .trim(),
  )
  .filter((statement) => statement.length > 0);
