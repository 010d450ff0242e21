import { describe, expect, it } from "vitest";
import {
  InvalidCursorError,
  comparePositions,
  decodeCursor,
  type Connection,
  type CursorPosition,
  type Direction,
} from "./cursor.ts";
import { scatterGather, type ShardPage } from "./scatter-gather.ts";

interface Post {
  id: string;
  createdAt: Date;
}

/** An in-memory shard that answers like the SQL a repository would run. */
function fakeShard(name: string, posts: Post[]) {
  const calls: Array<ShardPage<Date>> = [];
  return {
    name,
    calls,
    fetch(page: ShardPage<Date>): Promise<Post[]> {
      calls.push(page);
      const position = (post: Post): CursorPosition => ({ key: post.createdAt, id: post.id });
      const rows = posts
        .filter((post) => page.after === null || comparePositions(position(post), page.after, page.direction) > 0)
        .sort((a, b) => comparePositions(position(a), position(b), page.direction))
        .slice(0, page.limit);
      return Promise.resolve(rows);
    },
  };
}

function post(id: string, second: number): Post {
  return { id, createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, second)) };
}

// Uneven shards, with ties on createdAt across and within shards.
const allPosts = [
  post("a01", 1),
  post("a02", 5),
  post("a03", 5),
  post("a04", 9),
  post("a05", 12),
  post("a06", 30),
  post("a07", 31),
  post("b01", 5),
  post("b02", 9),
  post("c01", 2),
  post("c02", 3),
  post("c03", 5),
  post("c04", 40),
  post("c05", 41),
  post("c06", 42),
  post("c07", 43),
  post("c08", 44),
];

function makeShards() {
  return [
    fakeShard(
      "a",
      allPosts.filter((p) => p.id.startsWith("a")),
    ),
    fakeShard(
      "b",
      allPosts.filter((p) => p.id.startsWith("b")),
    ),
    fakeShard(
      "c",
      allPosts.filter((p) => p.id.startsWith("c")),
    ),
    fakeShard("empty", []),
  ];
}

async function readAll(first: number, direction: Direction) {
  const shards = makeShards();
  const pages: string[][] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const connection: Connection<Post> = await scatterGather({
      shards,
      first,
      after,
      direction,
      sortKind: "date",
      sortKey: (row: Post) => row.createdAt,
      id: (row: Post) => row.id,
      fetch: (shard, page) => shard.fetch(page),
    });
    pages.push(connection.edges.map((edge) => edge.node.id));
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { pages, shards };
}

function expectedOrder(direction: Direction): string[] {
  return [...allPosts]
    .sort((a, b) => comparePositions({ key: a.createdAt, id: a.id }, { key: b.createdAt, id: b.id }, direction))
    .map((p) => p.id);
}

describe("scatterGather", () => {
  it.each([1, 2, 3, 5, 7, 16, 17, 50])(
    "pages through uneven shards newest-first without gaps or repeats (first=%i)",
    async (first) => {
      const { pages } = await readAll(first, "desc");
      expect(pages.flat()).toEqual(expectedOrder("desc"));
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(first);
      expect(pages.at(-1)!.length).toBeGreaterThan(0);
    },
  );

  it("pages oldest-first too", async () => {
    const { pages } = await readAll(4, "asc");
    expect(pages.flat()).toEqual(expectedOrder("asc"));
  });

  it("asks each shard for at most first + 1 rows after the cursor, in parallel", async () => {
    const shards = makeShards();
    const first = await scatterGather({
      shards,
      first: 3,
      sortKey: (row: Post) => row.createdAt,
      id: (row: Post) => row.id,
      fetch: (shard, page) => shard.fetch(page),
    });
    expect(first.edges.map((edge) => edge.node.id)).toEqual(["c08", "c07", "c06"]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    for (const shard of shards) expect(shard.calls).toEqual([{ limit: 4, after: null, direction: "desc" }]);

    await scatterGather({
      shards,
      first: 3,
      after: first.pageInfo.endCursor,
      sortKey: (row: Post) => row.createdAt,
      id: (row: Post) => row.id,
      fetch: (shard, page) => shard.fetch(page),
    });
    for (const shard of shards) {
      expect(shard.calls[1]).toEqual({ limit: 4, after: decodeCursor(first.pageInfo.endCursor), direction: "desc" });
    }
  });

  it("reports the end exactly when the last page is full", async () => {
    const { pages } = await readAll(allPosts.length, "desc");
    expect(pages).toHaveLength(1);
  });

  it("drops rows a sloppy shard returns on or before the cursor", async () => {
    const rows = [post("x1", 1), post("x2", 2), post("x3", 3)];
    const connection = await scatterGather({
      shards: ["sloppy"],
      first: 5,
      after: (
        await scatterGather({
          shards: ["s"],
          first: 1,
          sortKey: (r: Post) => r.createdAt,
          id: (r: Post) => r.id,
          fetch: () => Promise.resolve([rows[1]!]),
        })
      ).pageInfo.endCursor,
      sortKey: (row: Post) => row.createdAt,
      id: (row: Post) => row.id,
      fetch: () => Promise.resolve(rows.slice().reverse()),
    });
    expect(connection.edges.map((edge) => edge.node.id)).toEqual(["x1"]);
  });

  it("rejects a bad cursor before asking any shard", async () => {
    const shards = makeShards();
    const run = (after: string) =>
      scatterGather({
        shards,
        first: 2,
        after,
        sortKind: "date",
        sortKey: (row: Post) => row.createdAt,
        id: (row: Post) => row.id,
        fetch: (shard, page) => shard.fetch(page),
      });
    await expect(run("garbage!")).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(run(Buffer.from('["s","x","y"]').toString("base64url"))).rejects.toBeInstanceOf(InvalidCursorError);
    for (const shard of shards) expect(shard.calls).toHaveLength(0);
  });

  it("returns an empty page for first = 0 while still telling whether rows exist", async () => {
    const connection = await scatterGather({
      shards: makeShards(),
      first: 0,
      sortKey: (row: Post) => row.createdAt,
      id: (row: Post) => row.id,
      fetch: (shard, page) => shard.fetch(page),
    });
    expect(connection.edges).toEqual([]);
    expect(connection.pageInfo.hasNextPage).toBe(true);
  });
});
