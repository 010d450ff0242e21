import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@plaza/testkit";
import type { MemoryCounterStore } from "../src/adapters/memory/memory-counter-store.ts";
import {
  activeSubscriptions,
  COUNTER,
  COUNTER_CHANGED,
  createPost,
  freshViewer,
  INCREMENT,
  LIKE,
  POST_ENTITIES,
  seedPost,
  startInstance,
  subscribe,
  type RunningCounters,
} from "./support.ts";

// The embedded default: PGlite shards, the in-memory store and log, the in-process bus. No external service.
describe("counters on embedded defaults", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "plaza-counters-embedded-"));
  const env: Record<string, string> = {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    INTERNAL_AUTH_KEY: randomBytes(32).toString("hex"),
    COUNTERS_PORT: "0",
    DATA_DIR: dataDir,
    COUNTERS_PGLITE_SHARDS: "2",
    COUNTERS_BUCKET_COUNT: "16",
    COUNTER_UPDATES_PER_SECOND: "20",
    COUNTER_MAX_DELTA: "2",
    COUNTERS_VIEW_RATE_LIMIT: "2",
  };
  let a: RunningCounters;

  beforeAll(async () => {
    a = await startInstance(env);
  });
  afterAll(async () => {
    await a?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const value = async (resourceId: string, type = "VIEW") =>
    (await a.gql<{ counter: { value: number } }>(COUNTER, { id: resourceId, type })).data?.counter.value;

  const increment = (resourceId: string, type: string, delta: number, viewerId = freshViewer()) =>
    a.gql<{ incrementCounter: { value: number } }>(INCREMENT, { input: { resourceId, type, delta } }, viewerId);

  it("counts, likes, loses the in-memory store, and rebuilds it from PGlite", async () => {
    const id = await seedPost(a);
    const results = await Promise.all(Array.from({ length: 200 }, () => increment(id, "VIEW", 1)));
    expect(results.filter((r) => r.errors)).toEqual([]);
    const postId = await createPost(a);
    await Promise.all(Array.from({ length: 50 }, () => a.gql(LIKE, { id: postId }, "u1")));
    await a.gql(LIKE, { id: postId }, "u2");
    expect(await value(id)).toBe(200);

    (a.service.store as MemoryCounterStore).flush();
    expect(await value(id)).toBe(200);
    const entities = await a.gql<{ _entities: unknown[] }>(POST_ENTITIES, { reps: [{ __typename: "Post", id: postId }] }, "u2");
    expect(entities.data?._entities).toEqual([{ id: postId, likeCount: 2, viewCount: 0, viewerHasLiked: true }]);
  });

  it("keeps every count across a restart (the write-behind drains on shutdown)", async () => {
    const id = await seedPost(a);
    await Promise.all(Array.from({ length: 25 }, () => increment(id, "SHARE", 2)));
    await a.stop();
    a = await startInstance(env);
    expect(await value(id, "SHARE")).toBe(50);
    expect((await increment(id, "SHARE", 1)).data?.incrementCounter.value).toBe(51);
  });

  it("limits views per viewer and post in memory: RATE_LIMITED with retryAfterSeconds", async () => {
    const id = await seedPost(a);
    const viewer = freshViewer();
    expect((await increment(id, "VIEW", 2, viewer)).errors).toBeUndefined();
    const refused = await increment(id, "VIEW", 1, viewer);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 30 });
    expect((await increment(id, "VIEW", 1)).data?.incrementCounter.value).toBe(3);
  });

  it("delivers counterChanged over graphql-ws", async () => {
    const id = await seedPost(a);
    const sub = subscribe<{ counterChanged: { value: number } }>(a.wsClient(), COUNTER_CHANGED, { id, type: "VIEW" });
    await waitFor(async () => (await activeSubscriptions(a.service)) >= 1, { description: "subscription active" });
    for (let i = 0; i < 10; i++) await increment(id, "VIEW", 1);
    await waitFor(() => sub.received.at(-1)?.counterChanged.value === 10, { description: "last value delivered" });
    sub.dispose();
  });
});
