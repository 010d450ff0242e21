/**
 * The Prisma client of test/fixtures/prisma/schema.prisma, generated on demand into
 * test/fixtures/generated (git-ignored) and loaded dynamically, so typechecking never depends on
 * generated code. Only what the tests use is typed.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { SqlDriverAdapterFactory } from "../src/prisma-shards.ts";
import { fixturePrismaDir, packageRoot, repoRoot } from "./helpers.ts";

export interface Item {
  id: string;
  name: string;
  createdAt: Date;
}

export interface FixtureClient {
  item: {
    create(args: { data: { id: string; name: string; createdAt?: Date } }): Promise<Item>;
    createMany(args: { data: Array<{ id: string; name: string; createdAt?: Date }> }): Promise<{ count: number }>;
    findUnique(args: { where: { id: string } }): Promise<Item | null>;
    findMany(args?: { where?: Record<string, unknown>; orderBy?: unknown; take?: number }): Promise<Item[]>;
    count(): Promise<number>;
  };
  note: { create(args: { data: { id: string; itemId: string; body: string } }): Promise<unknown> };
  $transaction<T>(fn: (tx: FixtureClient) => Promise<T>): Promise<T>;
  $queryRawUnsafe<T>(sql: string, ...values: unknown[]): Promise<T>;
  $disconnect(): Promise<void>;
}

export type FixtureClientFactory = (adapter: SqlDriverAdapterFactory) => FixtureClient;

/** Runs `prisma generate` for the fixture schema (offline: the CLI gets a stub schema engine). */
export async function loadFixtureClient(): Promise<FixtureClientFactory> {
  const stubDir = mkdtempSync(join(tmpdir(), "plaza-sharding-engine-stub-"));
  const stub = join(stubDir, "schema-engine");
  writeFileSync(stub, '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "schema-engine-cli stub"; exit 0; fi\nexit 1\n');
  chmodSync(stub, 0o755);
  const prisma = join(repoRoot, "node_modules", ".bin", "prisma");
  if (!existsSync(prisma)) throw new Error(`prisma CLI not found at ${prisma}; run npm install`);
  try {
    execFileSync(prisma, ["generate", "--schema", join(fixturePrismaDir, "schema.prisma")], {
      cwd: packageRoot,
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: stub, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
      stdio: "pipe",
    });
  } finally {
    rmSync(stubDir, { recursive: true, force: true });
  }
  const entry = pathToFileURL(join(packageRoot, "test", "fixtures", "generated", "prisma", "client.ts")).href;
  const module = (await import(entry)) as { PrismaClient: new (options: { adapter: SqlDriverAdapterFactory }) => FixtureClient };
  return (adapter) => new module.PrismaClient({ adapter });
}
