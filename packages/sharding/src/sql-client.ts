/**
 * A minimal raw-SQL handle per shard, the same over Postgres (pg pool) and PGlite. Used by the
 * migration runner and shard statistics; application queries go through the Prisma client.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import pg from "pg";

export type Row = Record<string, unknown>;

export interface SqlQueryable {
  /** One statement with $1.. parameters; resolves to its rows. */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** A script of any number of statements, without parameters. */
  exec(sql: string): Promise<void>;
}

export interface SqlClient extends SqlQueryable {
  readonly kind: "postgres" | "pglite";
  /** Runs `fn` in one transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface PostgresSqlOptions {
  /** Pool size. */
  max?: number;
  logger?: Logger;
  /** Shard name for log lines. */
  name?: string;
}

/** A pg pool; its connection is opened lazily. */
export function createPostgresPool(url: string, options: PostgresSqlOptions = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", (error) => options.logger?.warn({ err: error, shard: options.name }, "idle Postgres connection failed"));
  return pool;
}

/** A SqlClient over a pg pool. `ownsPool`: close() ends the pool. */
export function createPostgresSqlClient(pool: pg.Pool, ownsPool = true): SqlClient {
  const queryable = (client: pg.Pool | pg.PoolClient): SqlQueryable => ({
    async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
      const result = await client.query<R>(sql, params ? [...params] : undefined);
      return result.rows;
    },
    async exec(sql: string): Promise<void> {
      // Without parameters pg uses the simple query protocol, which accepts many statements.
      await client.query(sql);
    },
  });
  return {
    kind: "postgres",
    ...queryable(pool),
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      // A checked-out client has no pool listener: a connection lost between two statements (Postgres restarting,
      // a network cut) would otherwise be an uncaught 'error' event that ends the process. The statement fails instead.
      const onError = () => {
        broken = true;
      };
      client.on("error", onError);
      try {
        await client.query("BEGIN");
        const result = await fn(queryable(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    },
    async close(): Promise<void> {
      if (ownsPool) await pool.end();
    },
  };
}

/** A SqlClient over an open PGlite instance. `onClose` runs after the database closed. */
export function createPgliteSqlClient(db: PGlite, onClose?: () => void): SqlClient {
  const queryable = (client: PGlite | Transaction): SqlQueryable => ({
    async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
      const result = await client.query<R>(sql, params ? [...params] : undefined);
      return result.rows;
    },
    async exec(sql: string): Promise<void> {
      await client.exec(sql);
    },
  });
  return {
    kind: "pglite",
    ...queryable(db),
    transaction: (fn) => db.transaction((tx) => fn(queryable(tx))),
    async close(): Promise<void> {
      try {
        if (!db.closed) await db.close();
      } finally {
        onClose?.();
      }
    },
  };
}

/**
 * PGlite is single-process: two processes opening one data directory corrupt it. A lock file
 * beside the directory (`<dir>.lock`, holding the pid) makes the second opener fail clearly; a
 * lock left by a dead process is taken over.
 */
export function lockPgliteDir(dir: string): () => void {
  const lockPath = `${dir}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(lockPath, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        const who = holder === process.pid ? "this process" : `process ${holder}`;
        throw new Error(`PGlite database ${dir} is already open in ${who} (lock ${lockPath}); stop it first`);
      }
      rmSync(lockPath, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`could not lock PGlite database ${dir} (lock ${lockPath})`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
