import { randomBytes } from "node:crypto";
import pg from "pg";
import { testInfra } from "./test-infra.ts";

/** Every database a test creates or touches must carry this prefix, so a misconfigured URL cannot hit real data. */
export const TEST_DATABASE_PREFIX = "plaza_test_";

export interface TestDatabase {
  /** `plaza_test_<prefix>_<random>` */
  name: string;
  /** URL of the new database (same server and user as the admin URL). */
  url: string;
  /** Drops the database, terminating open connections first. Idempotent. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Server URL to create it on; default `testInfra().postgresUrl`. */
  serverUrl?: string;
  /** Copy this database (e.g. a migrated template) instead of template1. */
  template?: string;
}

/** Creates an empty database `plaza_test_<prefix>_<random>` for one test file or test. */
export async function createTestDatabase(prefix: string, options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = options.serverUrl ?? testInfra().postgresUrl;
  const name = testDatabaseName(prefix);
  assertTestDatabaseName(name);
  const template = options.template ? ` TEMPLATE ${quoteIdentifier(options.template)}` : "";
  await withServerClient(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}${template}`));
  const url = withDatabase(serverUrl, name);
  let dropped = false;
  return {
    name,
    url,
    drop: async () => {
      if (dropped) return;
      // WITH (FORCE) (Postgres 13+) ends pools a test forgot to close instead of failing on "being accessed by other users".
      await withServerClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
      );
      dropped = true;
    },
  };
}

/** `plaza_test_<prefix>_<8 hex>`, lower-case, within Postgres's 63-byte identifier limit. */
export function testDatabaseName(prefix: string): string {
  const suffix = randomBytes(4).toString("hex");
  const room = 63 - TEST_DATABASE_PREFIX.length - 1 - suffix.length;
  const safe =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, room) || "db";
  return `${TEST_DATABASE_PREFIX}${safe}_${suffix}`;
}

/** Throws unless `name` is a test database name. */
export function assertTestDatabaseName(name: string): void {
  if (!name.startsWith(TEST_DATABASE_PREFIX)) {
    throw new Error(
      `Refusing to use database "${name}" in a test: test databases must be named ${TEST_DATABASE_PREFIX}* (use createTestDatabase()).`,
    );
  }
}

/** Throws unless the URL's database is a test database. Call it before connecting to any URL a test was given. */
export function assertTestDatabaseUrl(url: string): void {
  assertTestDatabaseName(databaseNameOf(url));
}

/** A pg pool on a test database (guarded). Remember `await pool.end()`. */
export function createTestPgPool(url: string, config: Omit<pg.PoolConfig, "connectionString"> = {}): pg.Pool {
  assertTestDatabaseUrl(url);
  const pool = new pg.Pool({ max: 5, ...config, connectionString: url });
  // Dropping the database terminates connections that are still closing after end(): their FATAL notice must not
  // become an uncaught error that fails the run.
  pool.on("error", () => undefined);
  return pool;
}

export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Short-lived admin connection to the server (its maintenance database; never a test database). */
async function withServerClient<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
