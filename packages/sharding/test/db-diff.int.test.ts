/**
 * `npm run db:diff` end to end in a throw-away repository root: a new subgraph's first migration, a schema
 * change, drift reports, broken migrations and hostile arguments; and the migrations it writes applied by
 * the runner to a real Postgres. Drift cases that need no CLI run in-process on one engine.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@plaza/testkit";
import { migrateShards } from "../src/migrate.ts";
import { openSqlShards } from "../src/prisma-shards.ts";
import { createSchemaDiffer, type SchemaDiffer } from "../src/schema-diff.ts";
import { packageRoot, repoRoot, tempDir } from "./helpers.ts";

const run = promisify(execFile);
const tsx = join(repoRoot, "node_modules", ".bin", "tsx");

const SCHEMA_V1 = `generator client {
  provider = "prisma-client"
  output   = "../../generated/chat"
}

datasource db {
  provider = "postgresql"
}

model Message {
  id        String   @id
  roomId    String   @map("room_id")
  body      String
  createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(3)

  @@index([roomId, createdAt(sort: Desc)])
  @@map("messages")
}
`;

const SCHEMA_V2 = SCHEMA_V1.replace(
  "  body      String\n",
  '  body      String\n  editedAt  DateTime? @map("edited_at") @db.Timestamptz(3)\n',
);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe("npm run db:diff", () => {
  const root = tempDir("db-diff-root");
  const chat = join(root.path, "prisma", "chat");
  const migrationsDir = join(chat, "migrations");
  let database: TestDatabase;
  // In-process checks share one engine (each CLI run pays for starting its own).
  let differ: SchemaDiffer;
  const diffChat = () => differ.diff({ migrationsDir, schemaPath: join(chat, "schema.prisma") });

  async function dbDiff(args: string[]): Promise<CliResult> {
    try {
      const { stdout, stderr } = await run(tsx, [join(packageRoot, "src", "cli", "db-diff.ts"), "--root", root.path, ...args], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        timeout: 120_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
    }
  }

  const migrations = (): string[] =>
    existsSync(migrationsDir)
      ? readdirSync(migrationsDir)
          .filter((name) => name !== "migration_lock.toml")
          .sort()
      : [];

  beforeAll(async () => {
    mkdirSync(chat, { recursive: true });
    writeFileSync(join(chat, "schema.prisma"), SCHEMA_V1);
    [database, differ] = await Promise.all([createTestDatabase("sharding_db_diff"), createSchemaDiffer()]);
  });
  afterAll(async () => {
    await differ?.close();
    await database?.drop();
    root.remove();
  });

  it("writes a new subgraph's first migration, then finds nothing to do", async () => {
    expect(await diffChat()).toContain('CREATE TABLE "messages"');

    const first = await dbDiff(["chat", "init"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const [init] = migrations();
    expect(init).toMatch(/^\d{14}_init$/);
    expect(first.stdout).toContain(`wrote prisma/chat/migrations/${init}/migration.sql`);
    expect(readFileSync(join(migrationsDir, "migration_lock.toml"), "utf8")).toContain('provider = "postgresql"');
    const sql = readFileSync(join(migrationsDir, init!, "migration.sql"), "utf8");
    expect(sql).toContain('CREATE TABLE "messages"');
    expect(sql).toContain('CREATE INDEX "messages_room_id_created_at_idx" ON "messages"("room_id", "created_at" DESC);');

    const again = await dbDiff(["chat", "again"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("chat: no changes");
    expect(migrations()).toEqual([init]);
    expect(await diffChat()).toBeNull();
  }, 240_000); // two CLI runs, each starting its own engine and PGlite

  it("writes a schema change as a later migration that the runner applies to Postgres", async () => {
    writeFileSync(join(chat, "schema.prisma"), SCHEMA_V2);
    const drift = await dbDiff(["--check"]);
    expect(drift.code).toBe(1);
    expect(drift.stderr).toContain("prisma/chat: schema.prisma and migrations/ disagree");
    expect(drift.stderr).toContain('ALTER TABLE "messages" ADD COLUMN     "edited_at" TIMESTAMPTZ(3);');
    expect(drift.stderr).toContain("npm run db:diff -- chat <name>");

    const written = await dbDiff(["chat", "add_edited_at"]);
    expect(written.code).toBe(0);
    const names = migrations();
    expect(names).toHaveLength(2);
    expect(names[1]).toMatch(/^\d{14}_add_edited_at$/);
    expect(names[1]! > names[0]!).toBe(true);
    expect(await diffChat()).toBeNull();

    const shards = await openSqlShards({ shardUrls: [database.url], poolMax: 2 });
    try {
      const report = await migrateShards({ migrationsDir, shards: shards.all });
      expect(report.shards[0]!.applied).toEqual(names);
      const columns = await shards.all[0]!.sql.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'messages' ORDER BY ordinal_position`,
      );
      expect(columns.map((row) => row.column_name)).toEqual(["id", "room_id", "body", "created_at", "edited_at"]);
    } finally {
      await shards.close();
    }
  }, 240_000);

  it("reports a hand-written migration that schema.prisma does not describe", async () => {
    const dir = join(migrationsDir, "20990101000000_hand_written");
    mkdirSync(dir);
    writeFileSync(join(dir, "migration.sql"), `ALTER TABLE "messages" ADD COLUMN "pinned" BOOLEAN NOT NULL DEFAULT false;\n`);
    try {
      expect(await diffChat()).toContain('DROP COLUMN "pinned"');

      // Describing the column in schema.prisma resolves it.
      writeFileSync(
        join(chat, "schema.prisma"),
        SCHEMA_V2.replace("  body      String\n", "  body      String\n  pinned    Boolean @default(false)\n"),
      );
      expect(await diffChat()).toBeNull();
    } finally {
      rmSync(dir, { recursive: true });
      writeFileSync(join(chat, "schema.prisma"), SCHEMA_V2);
    }
  });

  it("names a migration that does not apply", async () => {
    const dir = join(migrationsDir, "20990101000000_broken");
    mkdirSync(dir);
    writeFileSync(join(dir, "migration.sql"), "CREATE TABLE oops (\n");
    try {
      const failure = await diffChat().then(
        () => null,
        (error: unknown) => (error as Error).message,
      );
      expect(failure).toContain("Migration `20990101000000_broken` failed to apply cleanly to the shadow database");
      expect(failure).toContain("syntax error");
      // The engine is still usable afterwards.
      rmSync(dir, { recursive: true });
      expect(await diffChat()).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses names that are not [a-z0-9_] and writes nothing", async () => {
    const before = migrations();
    // Refused before the engine loads, so these are quick.
    // (every refused spelling is in migration-names.test.ts; these are the paths through the CLI)
    for (const args of [["../chat", "x"], ["chat", "../../../tmp/x"], ["chat", "Add"], ["nope", "x"], ["chat"]]) {
      const result = await dbDiff(args);
      expect(result.code, JSON.stringify(args)).toBe(2);
      expect(result.stderr).toMatch(/^db:diff: /);
    }
    expect(migrations()).toEqual(before);
  });
});
