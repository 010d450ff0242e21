import { describe, expect, it } from "vitest";
import { checkShards } from "./shard-health.ts";
import type { SqlClient } from "./sql-client.ts";

function fakeSql(query: () => Promise<unknown[]>): SqlClient {
  return {
    kind: "postgres",
    query: query as SqlClient["query"],
    exec: async () => undefined,
    transaction: async () => {
      throw new Error("unused");
    },
    close: async () => undefined,
  };
}

describe("checkShards", () => {
  it("reports each shard, failing on errors and on hangs", async () => {
    const health = await checkShards(
      [
        { name: "shard0", sql: fakeSql(async () => [{ "?column?": 1 }]) },
        { name: "shard1", sql: fakeSql(async () => Promise.reject(new Error("connection refused"))) },
        { name: "shard2", sql: fakeSql(() => new Promise(() => undefined)) },
      ],
      50,
    );
    expect(health.ok).toBe(false);
    expect(health.shards.map(({ shard, ok, error }) => ({ shard, ok, error }))).toEqual([
      { shard: "shard0", ok: true, error: undefined },
      { shard: "shard1", ok: false, error: "connection refused" },
      { shard: "shard2", ok: false, error: "no answer within 50 ms" },
    ]);
  });

  it("is ok when every shard answers", async () => {
    expect((await checkShards([{ name: "shard0", sql: fakeSql(async () => []) }])).ok).toBe(true);
  });
});
