/**
 * Contract: a Prisma client per shard behaves the same through @prisma/adapter-pg (Postgres) and
 * pglite-prisma-adapter (PGlite), including error codes, transactions and cross-shard paging.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@plaza/testkit";
import { keysetOrderBy, keysetWhere, type Connection } from "../src/cursor.ts";
import { newId } from "../src/ids.ts";
import { migrateShards } from "../src/migrate.ts";
import { createPrismaShards, type PrismaShards, type ShardConnectionOptions } from "../src/prisma-shards.ts";
import { scatterGather } from "../src/scatter-gather.ts";
import { loadFixtureClient, type FixtureClient, type FixtureClientFactory, type Item } from "./fixture-client.ts";
import { fixtureMigrationsDir, tempDir } from "./helpers.ts";

let makeClient: FixtureClientFactory;
beforeAll(async () => {
  makeClient = await loadFixtureClient();
});

interface Backend {
  name: string;
  connection(): Promise<ShardConnectionOptions>;
  cleanup(): Promise<void>;
}

const databases: TestDatabase[] = [];
const dirs = tempDir("prisma-contract");

const backends: Backend[] = [
  {
    name: "Postgres via @prisma/adapter-pg",
    async connection() {
      databases.push(...(await Promise.all([createTestDatabase("sharding_contract"), createTestDatabase("sharding_contract")])));
      return { shardUrls: databases.map((database) => database.url), poolMax: 4 };
    },
    cleanup: async () => {
      await Promise.all(databases.map((database) => database.drop()));
    },
  },
  {
    name: "PGlite via pglite-prisma-adapter",
    connection: async () => ({ pgliteDirs: [join(dirs.path, "shard-0"), join(dirs.path, "shard-1")] }),
    cleanup: async () => dirs.remove(),
  },
];

describe.each(backends)("Prisma shards: $name", (backend) => {
  let shards: PrismaShards<FixtureClient>;
  let connection: ShardConnectionOptions;

  beforeAll(async () => {
    connection = await backend.connection();
    shards = await createPrismaShards({ ...connection, makeClient: (adapter) => makeClient(adapter), bucketCount: 64 });
    await migrateShards({ migrationsDir: fixtureMigrationsDir, shards: shards.all });
  });
  afterAll(async () => {
    await shards?.close();
    await backend.cleanup();
  });
  beforeEach(async () => {
    await Promise.all(shards.all.map((shard) => shard.sql.exec(`TRUNCATE "Note", "Item"`)));
  });

  it("writes and reads an entity on the shard its id routes to, and only there", async () => {
    const { router } = shards;
    const id = router.newId();
    const home = router.forId(id)!;
    await home.client.item.create({ data: { id, name: "first" } });
    expect(await router.forId(id)?.client.item.findUnique({ where: { id } })).toMatchObject({ id, name: "first" });
    const counts = await Promise.all(shards.all.map((shard) => shard.client.item.count()));
    expect(counts).toEqual(shards.all.map((shard) => (shard === home ? 1 : 0)));
    expect(router.forId("not-an-id")).toBeNull();
  });

  it("reports a unique violation as P2002", async () => {
    const shard = shards.all[0]!;
    await shard.client.item.create({ data: { id: newId(0), name: "taken" } });
    const error = (await shard.client.item
      .create({ data: { id: newId(0), name: "taken" } })
      .catch((caught: unknown) => caught)) as {
      code?: string;
      name?: string;
    };
    expect(error.name).toBe("PrismaClientKnownRequestError");
    expect(error.code).toBe("P2002");
  });

  it("reports a foreign-key violation as P2003", async () => {
    const shard = shards.all[1]!;
    const error = (await shard.client.note
      .create({ data: { id: newId(40), itemId: "missing", body: "x" } })
      .catch((caught: unknown) => caught)) as { code?: string };
    expect(error.code).toBe("P2003");
  });

  it("commits and rolls back interactive transactions", async () => {
    const { client } = shards.all[0]!;
    await client.$transaction(async (tx) => {
      await tx.item.create({ data: { id: newId(1), name: "kept" } });
    });
    await expect(
      client.$transaction(async (tx) => {
        await tx.item.create({ data: { id: newId(1), name: "dropped" } });
        await tx.item.create({ data: { id: newId(1), name: "kept" } }); // unique violation
      }),
    ).rejects.toMatchObject({ code: "P2002" });
    expect((await client.item.findMany()).map((item) => item.name)).toEqual(["kept"]);
  });

  it("shares the database between the Prisma client and the raw SQL handle", async () => {
    const shard = shards.all[1]!;
    const id = newId(33);
    await shard.sql.query(`INSERT INTO "Item" (id, name) VALUES ($1, $2)`, [id, "raw"]);
    expect(await shard.client.item.findUnique({ where: { id } })).toMatchObject({ name: "raw" });
    const rows = await shard.client.$queryRawUnsafe<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM "Item" WHERE name = $1`,
      "raw",
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it("loads a batch by ids with one query per shard", async () => {
    const { router } = shards;
    const ids = Array.from({ length: 10 }, () => router.newId());
    await Promise.all(ids.map((id, index) => router.forId(id)!.client.item.create({ data: { id, name: `batch-${index}` } })));
    const missing = router.newId();
    const wanted = [ids[3]!, "garbage", missing, ids[7]!, ids[3]!];
    let queries = 0;
    const rows = await router.loadByIds(
      wanted,
      (shard, shardIds) => {
        queries++;
        return shard.client.item.findMany({ where: { id: { in: shardIds } } });
      },
      (item) => item.id,
    );
    expect(rows.map((row) => row?.name ?? null)).toEqual(["batch-3", null, null, "batch-7", "batch-3"]);
    expect(queries).toBeLessThanOrEqual(shards.all.length);
  });

  it("pages a cross-shard list by (createdAt desc, id desc) with exact ordering", async () => {
    const { router } = shards;
    const base = Date.UTC(2025, 0, 1);
    const items = Array.from({ length: 23 }, (_, index) => ({
      id: router.newId(),
      name: `item-${index}`,
      createdAt: new Date(base + Math.floor(index / 3) * 1000), // ties of three
    }));
    await Promise.all(
      shards.all.map((shard) => shard.client.item.createMany({ data: items.filter((item) => router.forId(item.id) === shard) })),
    );
    const expected = [...items]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((item) => item.id);

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const result: Connection<Item> = await scatterGather({
        shards: shards.all,
        first: 4,
        after,
        sortKind: "date",
        sortKey: (item: Item) => item.createdAt,
        id: (item: Item) => item.id,
        fetch: (shard, { limit, after: position, direction }) =>
          shard.client.item.findMany({
            where: keysetWhere("createdAt", position, direction) ?? {},
            orderBy: keysetOrderBy("createdAt", direction),
            take: limit,
          }),
      });
      seen.push(...result.edges.map((edge) => edge.node.id));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });

  it("closes idempotently", async () => {
    const extra = await createPrismaShards({
      ...(connection.shardUrls ? { shardUrls: connection.shardUrls } : { pgliteDirs: [join(dirs.path, "extra")] }),
      makeClient: (adapter) => makeClient(adapter),
    });
    await Promise.all([extra.close(), extra.close()]);
    await extra.close();
  });
});

describe("embedded PGlite shards", () => {
  const work = tempDir("pglite-persist");
  afterAll(() => work.remove());

  it("persist data across restarts and refuse a second concurrent opener", async () => {
    const pgliteDirs = [join(work.path, "users", "shard-0")];
    const first = await createPrismaShards({ pgliteDirs, makeClient: (adapter) => makeClient(adapter) });
    await migrateShards({ migrationsDir: fixtureMigrationsDir, shards: first.all });
    const id = newId(5);
    await first.all[0]!.client.item.create({ data: { id, name: "survivor" } });
    expect(existsSync(`${pgliteDirs[0]}.lock`)).toBe(true);
    await expect(createPrismaShards({ pgliteDirs, makeClient: (adapter) => makeClient(adapter) })).rejects.toThrow(
      /is already open in this process/,
    );
    await first.close();
    expect(existsSync(`${pgliteDirs[0]}.lock`)).toBe(false);

    const second = await createPrismaShards({ pgliteDirs, makeClient: (adapter) => makeClient(adapter) });
    try {
      expect(await second.all[0]!.client.item.findUnique({ where: { id } })).toMatchObject({ name: "survivor" });
      const report = await migrateShards({ migrationsDir: fixtureMigrationsDir, shards: second.all });
      expect(report.shards[0]!.applied).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it("supports throw-away in-memory shards", async () => {
    const shards = await createPrismaShards({
      pgliteDirs: ["memory://a", "memory://b"],
      makeClient: (adapter) => makeClient(adapter),
    });
    try {
      await migrateShards({ migrationsDir: fixtureMigrationsDir, shards: shards.all });
      const id = shards.router.newIdForKey("k");
      await shards.router.forKey("k").client.item.create({ data: { id, name: "mem" } });
      expect(await shards.router.forId(id)!.client.item.count()).toBe(1);
    } finally {
      await shards.close();
    }
  });

  it("rejects ambiguous or empty connection settings", async () => {
    await expect(createPrismaShards({ makeClient: (adapter) => makeClient(adapter) })).rejects.toThrow(/exactly one of/);
    await expect(
      createPrismaShards({
        shardUrls: ["postgres://h/db"],
        pgliteDirs: ["memory://"],
        makeClient: (adapter) => makeClient(adapter),
      }),
    ).rejects.toThrow(/exactly one of/);
  });
});
