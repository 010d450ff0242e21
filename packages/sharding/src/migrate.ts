/**
 * Applies committed Prisma migrations (`<migrationsDir>/<timestamp>_<name>/migration.sql`) to every
 * shard, without Prisma's native schema engine (which these machines cannot download).
 *
 * Compatible with `prisma migrate deploy`: applied migrations are recorded in Prisma's own
 * `_prisma_migrations` table with the same columns, a random UUID id and checksum = sha256 hex of
 * migration.sql, and the runner takes the same advisory lock (72707369) Prisma takes, so the two
 * never run at once on one database.
 *
 * Differences from the engine, on purpose:
 *   - each migration runs in one transaction together with its bookkeeping row, so a failed
 *     migration leaves nothing behind (migrations must therefore not contain BEGIN/COMMIT or
 *     statements that refuse transactions, such as CREATE INDEX CONCURRENTLY);
 *   - an applied migration whose file changed is refused (Prisma's deploy would ignore it);
 *   - every shard is checked before any shard is changed, so a bad checksum stops the whole run.
 */
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { SqlClient, SqlQueryable } from "./sql-client.ts";

export interface Migration {
  /** Directory name, e.g. 20250101000000_init. */
  readonly name: string;
  readonly sql: string;
  /** sha256 hex of migration.sql, as Prisma computes it. */
  readonly checksum: string;
}

export interface MigrationTarget {
  readonly name: string;
  readonly sql: SqlClient;
}

export interface MigrateShardsOptions {
  /** A Prisma migrations directory; or pass `migrations` already read. */
  migrationsDir?: string;
  migrations?: readonly Migration[];
  shards: readonly MigrationTarget[];
  logger?: Logger;
}

export interface ShardMigrationReport {
  readonly shard: string;
  /** Migrations applied by this run, in order. */
  readonly applied: string[];
  /** Local migrations that were already applied. */
  readonly upToDate: number;
  /** Applied on the database but absent locally (e.g. a newer deploy ran there). */
  readonly unknown: string[];
  readonly durationMs: number;
}

export interface MigrationReport {
  readonly migrations: number;
  readonly shards: ShardMigrationReport[];
  readonly durationMs: number;
}

/** The run was refused or failed; `problems` names every shard and migration concerned. */
export class MigrationError extends Error {
  readonly problems: readonly string[];
  constructor(summary: string, problems: readonly string[], options?: { cause?: unknown }) {
    super(`${summary}:\n  - ${problems.join("\n  - ")}`, options);
    this.name = "MigrationError";
    this.problems = problems;
  }
}

/** Prisma's advisory lock key for migrations. */
export const PRISMA_MIGRATION_LOCK = 72707369;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export function migrationChecksum(sql: string | Uint8Array): string {
  return createHash("sha256").update(sql).digest("hex");
}

/** Whether `checksum` matches `sql`, also across CRLF/LF checkouts (as Prisma accepts). */
function checksumMatches(sql: string, checksum: string): boolean {
  return migrationChecksum(sql) === checksum || migrationChecksum(sql.replace(/\r\n/g, "\n")) === checksum;
}

/** The migrations in `migrationsDir`, in name (= timestamp) order. Files such as migration_lock.toml are skipped. */
export async function readMigrations(migrationsDir: string): Promise<Migration[]> {
  let entries: string[];
  try {
    entries = await readdir(migrationsDir);
  } catch (error) {
    throw new Error(`cannot read migrations directory ${migrationsDir}: ${(error as Error).message}`, { cause: error });
  }
  const migrations: Migration[] = [];
  for (const name of entries.filter((entry) => !entry.startsWith(".")).sort()) {
    const dir = join(migrationsDir, name);
    if (!(await stat(dir)).isDirectory()) continue;
    const file = join(dir, "migration.sql");
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      throw new Error(`migration ${name} has no migration.sql (${file})`);
    }
    migrations.push({ name, sql: bytes.toString("utf8"), checksum: migrationChecksum(bytes) });
  }
  return migrations;
}

interface AppliedRow extends Record<string, unknown> {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

async function withMigrationLock<T>(sql: SqlClient, fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
  return sql.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${PRISMA_MIGRATION_LOCK})`);
    return fn(tx);
  });
}

async function appliedRows(tx: SqlQueryable): Promise<AppliedRow[]> {
  return tx.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );
}

/** Problems that forbid migrating this shard: failed or edited migrations. */
function checkShard(shard: string, rows: readonly AppliedRow[], local: ReadonlyMap<string, Migration>): string[] {
  const problems: string[] = [];
  for (const row of rows) {
    if (row.rolled_back_at !== null) continue;
    if (row.finished_at === null) {
      problems.push(
        `${shard}: migration ${row.migration_name} is recorded as started but not finished (a failed run outside this tool); ` +
          `repair the database and resolve it (prisma migrate resolve, or delete its _prisma_migrations row) first`,
      );
      continue;
    }
    const migration = local.get(row.migration_name);
    if (migration && !checksumMatches(migration.sql, row.checksum)) {
      problems.push(
        `${shard}: migration ${row.migration_name} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… on the database, ` +
          `${migration.checksum.slice(0, 12)}… in the file); restore the file and add a new migration instead`,
      );
    }
  }
  return problems;
}

function finishedNames(rows: readonly AppliedRow[]): Set<string> {
  return new Set(rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null).map((row) => row.migration_name));
}

/**
 * Brings every shard up to date, shards in parallel, migrations in order. Idempotent; safe to run
 * from several processes at once. Throws MigrationError, before changing anything, when a shard
 * has an edited or unfinished migration; and after the run when a migration failed.
 */
export async function migrateShards(options: MigrateShardsOptions): Promise<MigrationReport> {
  const started = performance.now();
  const migrations = options.migrations ?? (options.migrationsDir ? await readMigrations(options.migrationsDir) : null);
  if (!migrations) throw new Error("migrateShards needs migrationsDir or migrations");
  const local = new Map(migrations.map((migration) => [migration.name, migration]));

  // Check every shard before touching any.
  const states = await Promise.all(
    options.shards.map((shard) =>
      withMigrationLock(shard.sql, async (tx) => {
        await tx.exec(CREATE_MIGRATIONS_TABLE);
        return appliedRows(tx);
      }).catch((error: unknown) => {
        throw new MigrationError("cannot read migration state", [`${shard.name}: ${(error as Error).message}`], { cause: error });
      }),
    ),
  );
  const problems = options.shards.flatMap((shard, index) => checkShard(shard.name, states[index]!, local));
  if (problems.length > 0) throw new MigrationError("migrations refused", problems);

  const results = await Promise.allSettled(
    options.shards.map((shard, index) => migrateShard(shard, migrations, states[index]!, options.logger)),
  );
  const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason as Error] : []));
  if (failures.length > 0) {
    throw new MigrationError(
      "migrations failed",
      failures.map((error) => error.message),
      { cause: failures[0] },
    );
  }
  const shards = results.map((result) => (result as PromiseFulfilledResult<ShardMigrationReport>).value);
  return { migrations: migrations.length, shards, durationMs: performance.now() - started };
}

async function migrateShard(
  shard: MigrationTarget,
  migrations: readonly Migration[],
  rows: readonly AppliedRow[],
  logger: Logger | undefined,
): Promise<ShardMigrationReport> {
  const started = performance.now();
  const done = finishedNames(rows);
  const localNames = new Set(migrations.map((migration) => migration.name));
  const unknown = [...done].filter((name) => !localNames.has(name));
  if (unknown.length > 0) {
    logger?.warn({ shard: shard.name, migrations: unknown }, "database has migrations that are not in the migrations directory");
  }
  const applied: string[] = [];
  let upToDate = 0;
  for (const migration of migrations) {
    if (done.has(migration.name)) {
      upToDate++;
      continue;
    }
    const ran = await applyMigration(shard, migration);
    if (ran) {
      applied.push(migration.name);
      logger?.info({ shard: shard.name, migration: migration.name }, "migration applied");
    } else {
      upToDate++; // another process applied it meanwhile
    }
  }
  return { shard: shard.name, applied, upToDate, unknown, durationMs: performance.now() - started };
}

/** Applies one migration in a transaction; false when another runner got there first. */
async function applyMigration(shard: MigrationTarget, migration: Migration): Promise<boolean> {
  try {
    return await withMigrationLock(shard.sql, async (tx) => {
      const current = await tx.query<AppliedRow>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE migration_name = $1`,
        [migration.name],
      );
      const local = new Map([[migration.name, migration]]);
      const problems = checkShard(shard.name, current, local);
      if (problems.length > 0) throw new Error(problems.join("; "));
      if (finishedNames(current).has(migration.name)) return false;
      const id = randomUUID();
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
        [id, migration.checksum, migration.name],
      );
      await tx.exec(migration.sql);
      await tx.query(`UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`, [
        id,
      ]);
      return true;
    });
  } catch (error) {
    throw new Error(`${shard.name}: migration ${migration.name} failed and was rolled back: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
