import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@plaza/testkit";
import { MigrationError, migrateShards, readMigrations } from "../src/migrate.ts";
import { openSqlShards, type SqlShards } from "../src/prisma-shards.ts";
import { copyFixtureMigrations, fixtureMigrationsDir, tempDir } from "./helpers.ts";

interface Backend {
  name: string;
  open(): Promise<SqlShards>;
  cleanup(): Promise<void>;
}

function postgresBackend(): Backend {
  let databases: TestDatabase[] = [];
  return {
    name: "Postgres",
    async open() {
      databases = await Promise.all([createTestDatabase("sharding_migrate"), createTestDatabase("sharding_migrate")]);
      return openSqlShards({ shardUrls: databases.map((database) => database.url), poolMax: 4 });
    },
    async cleanup() {
      await Promise.all(databases.map((database) => database.drop()));
    },
  };
}

function pgliteBackend(): Backend {
  const dir = tempDir("pglite");
  return {
    name: "PGlite",
    open: () => openSqlShards({ pgliteDirs: [join(dir.path, "shard-0"), join(dir.path, "shard-1")] }),
    async cleanup() {
      dir.remove();
    },
  };
}

/** Back to an empty database between tests (cheaper than a new PGlite, whose initdb takes seconds). */
async function reset(shards: SqlShards): Promise<void> {
  await Promise.all(shards.all.map((shard) => shard.sql.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")));
}

async function tablesOf(shards: SqlShards): Promise<string[][]> {
  return Promise.all(
    shards.all.map(async (shard) =>
      (
        await shard.sql.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
      ).map((row) => row.name),
    ),
  );
}

describe.each([postgresBackend(), pgliteBackend()])("migrateShards on two $name shards", (backend) => {
  let shards: SqlShards;
  let work: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    shards = await backend.open();
  });
  afterAll(async () => {
    await shards?.close();
    await backend.cleanup();
  });
  beforeEach(async () => {
    await reset(shards);
    work = tempDir("migrations");
  });
  afterEach(() => work.remove());

  it("applies every migration to every shard, recorded like Prisma, then is idempotent", async () => {
    const first = await migrateShards({ migrationsDir: fixtureMigrationsDir, shards: shards.all });
    expect(first.migrations).toBe(2);
    expect(first.shards.map((shard) => [shard.shard, shard.applied, shard.upToDate])).toEqual([
      ["shard0", ["20250101000000_init", "20250102000000_add_notes"], 0],
      ["shard1", ["20250101000000_init", "20250102000000_add_notes"], 0],
    ]);
    expect(await tablesOf(shards)).toEqual([
      ["Item", "Note", "_prisma_migrations"],
      ["Item", "Note", "_prisma_migrations"],
    ]);
    for (const shard of shards.all) {
      const rows = await shard.sql.query<{
        id: string;
        checksum: string;
        migration_name: string;
        finished_at: Date | null;
        applied_steps_count: number;
        rolled_back_at: Date | null;
      }>(`SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
      expect(rows.map((row) => row.migration_name)).toEqual(["20250101000000_init", "20250102000000_add_notes"]);
      for (const row of rows) {
        const file = readFileSync(join(fixtureMigrationsDir, row.migration_name, "migration.sql"));
        expect(row.checksum).toBe(createHash("sha256").update(file).digest("hex"));
        expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.rolled_back_at).toBeNull();
        expect(row.applied_steps_count).toBe(1);
      }
    }

    const second = await migrateShards({ migrationsDir: fixtureMigrationsDir, shards: shards.all });
    expect(second.shards.map((shard) => [shard.applied, shard.upToDate])).toEqual([
      [[], 2],
      [[], 2],
    ]);
  });

  it("applies only new migrations, and warns about unknown ones instead of failing", async () => {
    const migrations = await readMigrations(fixtureMigrationsDir);
    await migrateShards({ migrations: migrations.slice(0, 1), shards: shards.all });
    const report = await migrateShards({ migrations, shards: shards.all });
    expect(report.shards.map((shard) => shard.applied)).toEqual([["20250102000000_add_notes"], ["20250102000000_add_notes"]]);
    const older = await migrateShards({ migrations: migrations.slice(0, 1), shards: shards.all });
    expect(older.shards.map((shard) => shard.unknown)).toEqual([["20250102000000_add_notes"], ["20250102000000_add_notes"]]);
  });

  it("refuses an edited migration before changing any shard", async () => {
    const dir = copyFixtureMigrations(work.path);
    await migrateShards({ migrationsDir: dir, shards: shards.all });
    appendFileSync(join(dir, "20250101000000_init", "migration.sql"), "\n-- an innocent-looking edit\n");
    mkdirSync(join(dir, "20250103000000_more"));
    writeFileSync(join(dir, "20250103000000_more", "migration.sql"), 'CREATE TABLE "More" ("id" TEXT PRIMARY KEY);\n');

    const error = await migrateShards({ migrationsDir: dir, shards: shards.all }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).problems).toHaveLength(2);
    expect((error as MigrationError).message).toMatch(/shard0: migration 20250101000000_init was edited after it was applied/);
    expect((error as MigrationError).message).toMatch(/shard1: migration 20250101000000_init was edited/);
    for (const tables of await tablesOf(shards)) expect(tables).not.toContain("More");
  });

  it("accepts a CRLF checkout of an applied migration", async () => {
    const dir = copyFixtureMigrations(work.path);
    await migrateShards({ migrationsDir: dir, shards: shards.all });
    const file = join(dir, "20250101000000_init", "migration.sql");
    writeFileSync(file, readFileSync(file, "utf8").replace(/\n/g, "\r\n"));
    const report = await migrateShards({ migrationsDir: dir, shards: shards.all });
    expect(report.shards.every((shard) => shard.applied.length === 0)).toBe(true);
  });

  it("rolls a failing migration back completely and reports it", async () => {
    const dir = copyFixtureMigrations(work.path);
    mkdirSync(join(dir, "20250103000000_broken"));
    writeFileSync(
      join(dir, "20250103000000_broken", "migration.sql"),
      'CREATE TABLE "Half" ("id" TEXT PRIMARY KEY);\nALTER TABLE "Nope" ADD COLUMN "x" INTEGER;\n',
    );
    const error = await migrateShards({ migrationsDir: dir, shards: shards.all }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toMatch(
      /shard0: migration 20250103000000_broken failed and was rolled back: .*"Nope"/,
    );
    for (const shard of shards.all) {
      const names = await shard.sql.query<{ migration_name: string }>(
        `SELECT migration_name FROM "_prisma_migrations" ORDER BY 1`,
      );
      expect(names.map((row) => row.migration_name)).toEqual(["20250101000000_init", "20250102000000_add_notes"]);
    }
    for (const tables of await tablesOf(shards)) expect(tables).not.toContain("Half");
  });

  it("refuses a shard with a migration left unfinished by a failed engine run", async () => {
    await migrateShards({ migrationsDir: fixtureMigrationsDir, shards: shards.all });
    await shards.all[1]!.sql.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
      ["00000000-0000-4000-8000-000000000000", "0".repeat(64), "20250103000000_half_done"],
    );
    await expect(migrateShards({ migrationsDir: fixtureMigrationsDir, shards: shards.all })).rejects.toThrow(
      /shard1: migration 20250103000000_half_done is recorded as started but not finished/,
    );
  });

  it("lets concurrent runners apply each migration once", async () => {
    const runs = await Promise.all([
      migrateShards({ migrationsDir: fixtureMigrationsDir, shards: shards.all }),
      migrateShards({ migrationsDir: fixtureMigrationsDir, shards: shards.all }),
    ]);
    for (const [index] of shards.all.entries()) {
      const applied = runs.flatMap((run) => run.shards[index]!.applied);
      expect(applied.sort()).toEqual(["20250101000000_init", "20250102000000_add_notes"]);
    }
    for (const shard of shards.all) {
      const [row] = await shard.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
      expect(row!.n).toBe(2);
    }
  });
});

describe("readMigrations", () => {
  let work: ReturnType<typeof tempDir>;
  beforeAll(() => {
    work = tempDir("read");
  });
  afterAll(() => work.remove());

  it("reads directories in timestamp order, skipping migration_lock.toml", async () => {
    const migrations = await readMigrations(fixtureMigrationsDir);
    expect(migrations.map((migration) => migration.name)).toEqual(["20250101000000_init", "20250102000000_add_notes"]);
    expect(migrations[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it("explains a missing directory or migration.sql", async () => {
    await expect(readMigrations(join(work.path, "absent"))).rejects.toThrow(/cannot read migrations directory/);
    mkdirSync(join(work.path, "m", "20250101000000_empty"), { recursive: true });
    await expect(readMigrations(join(work.path, "m"))).rejects.toThrow(/20250101000000_empty has no migration.sql/);
  });
});
