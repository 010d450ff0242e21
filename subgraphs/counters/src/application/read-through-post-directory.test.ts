import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { createReadThroughPostDirectory, type PostLookupResult } from "./read-through-post-directory.ts";
import type { FoundPost, PostProjection, PostStatus } from "./ports/post-directory.port.ts";

function setup(truth: Map<string, FoundPost>, opts: { failing?: boolean } = {}) {
  const rows = new Map<string, PostStatus>();
  const projection: PostProjection = {
    recordCreated: async ({ postId }) => void (rows.has(postId) || rows.set(postId, "live")),
    recordDeleted: async ({ postId }) => void rows.set(postId, "deleted"),
    isLive: async (postId) => rows.get(postId) === "live",
    status: async (postId) => rows.get(postId) ?? "unknown",
  };
  const asked: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const misses: PostLookupResult[] = [];
  const directory = createReadThroughPostDirectory({
    projection,
    logger: pino({ level: "silent" }),
    isPostId: (id) => id.startsWith("p"),
    onMiss: (result) => misses.push(result),
    lookup: {
      async find(postId) {
        asked.push(postId);
        await gate;
        if (opts.failing) throw new Error("posts down");
        return truth.get(postId) ?? null;
      },
    },
  });
  return { directory, rows, asked, release, misses };
}

const post = (postId: string): FoundPost => ({ postId, authorId: "a", createdAt: new Date() });

describe("read-through post directory", () => {
  it("asks the posts subgraph once for concurrent misses, then answers from the projection", async () => {
    const { directory, rows, asked, release, misses } = setup(new Map([["p1", post("p1")]]));
    const answers = Promise.all(Array.from({ length: 10 }, () => directory.isLive("p1")));
    release();
    expect(await answers).toEqual(Array(10).fill(true));
    expect(asked).toEqual(["p1"]);
    expect(rows.get("p1")).toBe("live");
    expect(await directory.isLive("p1")).toBe(true);
    expect(asked).toEqual(["p1"]);
    expect(misses).toEqual(["found"]);
  });

  it("refuses unknown, malformed and deleted posts, remembering 'not found' without asking again", async () => {
    const { directory, rows, asked, release, misses } = setup(new Map([["p2", post("p2")]]));
    release();
    expect(await directory.isLive("p404")).toBe(false);
    expect(await directory.isLive("p404")).toBe(false);
    expect(await directory.isLive("garbage")).toBe(false);
    rows.set("p2", "deleted");
    expect(await directory.isLive("p2")).toBe(false);
    expect(asked).toEqual(["p404"]);
    expect(misses).toEqual(["not_found", "not_found_cached", "malformed"]);
  });

  it("fails (without remembering) when the posts subgraph cannot answer", async () => {
    const { directory, asked, release, misses } = setup(new Map(), { failing: true });
    release();
    await expect(directory.isLive("p3")).rejects.toThrow(/posts down/);
    await expect(directory.isLive("p3")).rejects.toThrow(/posts down/);
    expect(asked).toEqual(["p3", "p3"]);
    expect(misses).toEqual(["error", "error"]);
  });
});
