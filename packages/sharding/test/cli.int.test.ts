/**
 * The operator commands end to end: `npm run db:migrate` and `npm run shards:stats` against a
 * throw-away repository root with two subgraphs, one on Postgres shards and one embedded.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "@plaza/testkit";
import { newId } from "../src/ids.ts";
import { redactUrl } from "../src/shard-config.ts";
import type { SubgraphStats } from "../src/shard-stats.ts";
import { fixtureMigrationsDir, packageRoot, repoRoot, tempDir } from "./helpers.ts";

const run = promisify(execFile);
const tsx = join(repoRoot, "node_modules", ".bin", "tsx");

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe("db:migrate and shards:stats CLIs", () => {
  const root = tempDir("cli-root");
  let databases: TestDatabase[] = [];
  let env: NodeJS.ProcessEnv;

  async function cli(script: "migrate" | "shards-stats", args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    try {
      const { stdout, stderr } = await run(tsx, [join(packageRoot, "src", "cli", `${script}.ts`), "--root", root.path, ...args], {
        env: { ...env, ...extraEnv },
        timeout: 120_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
    }
  }

  beforeAll(async () => {
    databases = await Promise.all([createTestDatabase("sharding_cli"), createTestDatabase("sharding_cli")]);
    for (const name of ["alpha", "beta"]) {
      mkdirSync(join(root.path, "prisma", name), { recursive: true });
      cpSync(fixtureMigrationsDir, join(root.path, "prisma", name, "migrations"), { recursive: true });
    }
    // Only what the commands need: no DATABASE_* leaking in from the developer's shell.
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ALPHA_DATABASE_SHARD_URLS: databases.map((database) => database.url).join(","),
      ALPHA_BUCKET_COUNT: "16",
      BETA_PGLITE_SHARDS: "1",
    };
  });
  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
    root.remove();
  });

  it("migrates every subgraph's shards, then reports them up to date", async () => {
    const first = await cli("migrate", []);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^alpha: 2 Postgres shard\(s\) from ALPHA_DATABASE_SHARD_URLS/m);
    expect(first.stdout).toMatch(
      /^ {2}shard0: applied 2 \(20250101000000_init, 20250102000000_add_notes\), 0 already applied in [\d.]+ ms$/m,
    );
    expect(first.stdout).toMatch(/^ {2}shard1: applied 2 /m);
    expect(first.stdout).toMatch(/^beta: 1 embedded PGlite shard\(s\) under .*\/\.data\/beta/m);
    expect(existsSync(join(root.path, ".data", "beta", "shard-0", "PG_VERSION"))).toBe(true);
    expect(existsSync(join(root.path, ".data", "beta", "shard-0.lock"))).toBe(false);

    const second = await cli("migrate", ["--json"]);
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout) as {
      subgraphs: Record<string, { shards: Array<{ applied: string[]; upToDate: number }> }>;
    };
    expect(Object.keys(report.subgraphs)).toEqual(["alpha", "beta"]);
    for (const subgraph of Object.values(report.subgraphs)) {
      for (const shard of subgraph.shards) expect(shard).toMatchObject({ applied: [], upToDate: 2 });
    }
  });

  it("prints rows per table per shard with bucket ranges", async () => {
    await cli("migrate", ["alpha"]);
    const client = new pg.Client({ connectionString: databases[1]!.url });
    await client.connect();
    try {
      await client.query(`INSERT INTO "Item" (id, name) VALUES ($1, 'a'), ($2, 'b')`, [newId(9), newId(10)]);
    } finally {
      await client.end();
    }
    const result = await cli("shards-stats", ["alpha"]);
    expect(result.code).toBe(0);
    const stats = JSON.parse(result.stdout) as { subgraphs: Record<string, SubgraphStats & { bucketMap: string }> };
    const alpha = stats.subgraphs.alpha!;
    expect(alpha.bucketMap).toBe("0-7:shard0,8-15:shard1");
    expect(alpha.totalRows).toBe(2);
    expect(
      alpha.shards.map((shard) => ({
        shard: shard.shard,
        buckets: shard.buckets,
        tables: shard.tables,
        migrations: shard.migrations,
      })),
    ).toEqual([
      {
        shard: "shard0",
        buckets: ["0-7"],
        tables: { Item: 0, Note: 0 },
        migrations: { applied: 2, latest: "20250102000000_add_notes" },
      },
      {
        shard: "shard1",
        buckets: ["8-15"],
        tables: { Item: 2, Note: 0 },
        migrations: { applied: 2, latest: "20250102000000_add_notes" },
      },
    ]);
    expect(alpha.shards[0]!.location).toBe(redactUrl(databases[0]!.url)); // passwords masked
  });

  it("reads <root>/.env and reports every bad setting at once", async () => {
    writeFileSync(join(root.path, ".env"), "BETA_DATABASE_SHARD_URLS=mysql://nope/db\n");
    try {
      const result = await cli("migrate", [], { ALPHA_DATABASE_SHARD_URLS: "postgres://h", ALPHA_BUCKET_COUNT: "0" });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("alpha: ALPHA_BUCKET_COUNT must be a whole number");
      expect(result.stderr).toContain("alpha: ALPHA_DATABASE_SHARD_URLS: entry 1 has no database name");
      expect(result.stderr).toContain("beta: BETA_DATABASE_SHARD_URLS: entry 1 must start with postgres://");
    } finally {
      writeFileSync(join(root.path, ".env"), "");
    }
    const unknown = await cli("migrate", ["gamma"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown subgraph "gamma" \(known: alpha, beta/);
  });
});
