import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ShardConfigError, parseShardConfig, redactUrl, shardConfigFromEnv } from "./shard-config.ts";

describe("shardConfigFromEnv", () => {
  it("defaults to embedded PGlite shards under .data/<service>", () => {
    const config = shardConfigFromEnv("USERS", {});
    expect(config.kind).toBe("pglite");
    if (config.kind !== "pglite") return;
    expect(config.pgliteDirs).toEqual([resolve(".data/users/shard-0"), resolve(".data/users/shard-1")]);
    expect(config.bucketCount).toBe(1024);
    expect(config.bucketMap.toString()).toBe("0-511:shard0,512-1023:shard1");
    expect(config.names).toEqual(["shard0", "shard1"]);
  });

  it("honours DATA_DIR, PGLITE_SHARDS and the service option", () => {
    const config = shardConfigFromEnv(
      "CHAT",
      { DATA_DIR: "/tmp/x", CHAT_PGLITE_SHARDS: "3", PGLITE_SHARDS: "1" },
      { service: "chat-svc" },
    );
    expect(config.kind === "pglite" && config.pgliteDirs).toEqual([
      "/tmp/x/chat-svc/shard-0",
      "/tmp/x/chat-svc/shard-1",
      "/tmp/x/chat-svc/shard-2",
    ]);
  });

  it("reads shard URLs per subgraph only; other settings fall back to the shared form", () => {
    const env = {
      USERS_DATABASE_SHARD_URLS: " postgres://u:secret@h:5432/users0 , postgresql://h/users1,postgres://h/users2 ",
      USERS_DATABASE_POOL_MAX: "25",
      DATABASE_PREPARED_STATEMENTS: "false",
    };
    const users = shardConfigFromEnv("USERS", env);
    expect(users).toMatchObject({
      kind: "postgres",
      shardUrls: ["postgres://u:secret@h:5432/users0", "postgresql://h/users1", "postgres://h/users2"],
      poolMax: 25,
      preparedStatements: false,
      names: ["shard0", "shard1", "shard2"],
    });
    expect(users.describe).toContain("USERS_DATABASE_SHARD_URLS");
    expect(users.describe).not.toContain("secret");
    expect(shardConfigFromEnv("POSTS", env).kind).toBe("pglite");
  });

  it("refuses a shared DATABASE_SHARD_URLS, which would mix subgraphs' tables in one database", () => {
    const result = parseShardConfig("USERS", {
      DATABASE_SHARD_URLS: "postgres://h/shared0",
      USERS_DATABASE_SHARD_URLS: "postgres://h/u0",
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]).toMatch(/DATABASE_SHARD_URLS is not read.*USERS_DATABASE_SHARD_URLS/);
  });

  it("takes an explicit bucket map and count", () => {
    const config = shardConfigFromEnv("USERS", {
      USERS_DATABASE_SHARD_URLS: "postgres://h/a,postgres://h/b",
      USERS_BUCKET_COUNT: "16",
      USERS_BUCKET_MAP: "0-3:shard1,4-15:shard0",
    });
    expect(config.bucketMap.shardOf(2)).toBe("shard1");
    expect(config.bucketCount).toBe(16);
  });

  it("lists every problem at once", () => {
    const result = parseShardConfig("USERS", {
      USERS_DATABASE_SHARD_URLS: "mysql://h/a,not a url,postgres://h,,postgres://h/ok",
      DATABASE_POOL_MAX: "lots",
      USERS_DATABASE_PREPARED_STATEMENTS: "maybe",
      USERS_BUCKET_MAP: "0-100:shard0,101-1023:shard9",
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      "USERS_DATABASE_SHARD_URLS: entry 1 must start with postgres:// or postgresql://, got mysql://",
      "USERS_DATABASE_SHARD_URLS: entry 2 is not a URL",
      "USERS_DATABASE_SHARD_URLS: entry 3 has no database name",
      "USERS_DATABASE_SHARD_URLS: entry 4 is empty",
      'DATABASE_POOL_MAX must be a whole number in 1..10000, got "lots"',
      'USERS_DATABASE_PREPARED_STATEMENTS must be true or false, got "maybe"',
      'USERS_BUCKET_MAP: "101-1023:shard9": unknown shard shard9 (configured: shard0, shard1, shard2, shard3, shard4)',
      "USERS_BUCKET_MAP: buckets not assigned to any shard: 101-1023",
    ]);
    expect(() => shardConfigFromEnv("USERS", { BUCKET_COUNT: "0" })).toThrow(ShardConfigError);
    expect(() => shardConfigFromEnv("USERS", { BUCKET_COUNT: "40000" })).toThrow(/BUCKET_COUNT: bucket count must be/);
  });

  it("redacts passwords", () => {
    expect(redactUrl("postgres://user:pw@host:5432/db")).toBe("postgres://user:***@host:5432/db");
    expect(redactUrl("postgres://host/db")).toBe("postgres://host/db");
  });
});
