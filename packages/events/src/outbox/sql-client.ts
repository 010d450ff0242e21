/**
 * The slice of a Prisma client the outbox needs, so the outbox works with any Prisma client
 * (pg or PGlite driver adapter) and with thin wrappers over `pg` or PGlite. Placeholders are `$1, $2, …`.
 */
export interface SqlExecutor {
  /** Returns the number of affected rows. */
  $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): Promise<T>;
}

export interface SqlTransactionOptions {
  /** Prisma's interactive-transaction timeout; it must cover a publish that waits for the broker. */
  timeout?: number;
  maxWait?: number;
}

/** A database connection (pool) that can run an interactive transaction. */
export interface SqlClient extends SqlExecutor {
  $transaction<R>(fn: (tx: SqlExecutor) => Promise<R>, options?: SqlTransactionOptions): Promise<R>;
}
