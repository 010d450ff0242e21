import type { SqlExecutor } from "./sql-client.ts";

/**
 * Deletes up to `limit` rows published more than `olderThanMs` ago; returns how many were deleted.
 * Run it periodically (repeat while it returns `limit`). Published rows are the oldest in the heap,
 * so the unindexed scan stops early.
 */
export async function purgePublishedOutbox(
  db: Pick<SqlExecutor, "$executeRawUnsafe">,
  options: { olderThanMs: number; limit?: number },
): Promise<number> {
  return db.$executeRawUnsafe(
    `DELETE FROM outbox_events WHERE ctid IN (
       SELECT ctid FROM outbox_events
       WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1::float8)
       LIMIT $2::int)`,
    options.olderThanMs / 1_000,
    options.limit ?? 10_000,
  );
}
