import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, waitFor, type RedisHandle } from "@plaza/testkit";
import {
  COUNTER,
  COUNTERS,
  createDeployment,
  createPost,
  freshViewer,
  INCREMENT,
  LIKE,
  POST_ENTITIES,
  seedPost,
  startInstance,
  type Deployment,
  type RunningCounters,
} from "./support.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

// Every test here flushes Redis: a private server, never the run's shared one.
describe("counters survive the loss of Redis", () => {
  let redisServer: RedisHandle;
  let redis: Redis;
  let deployment: Deployment;
  let a: RunningCounters;

  beforeAll(async () => {
    redisServer = await startRedis();
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 2 });
    // No background rebuild after start-up here, so each test sees the path it is about (one test turns it on).
    deployment = await createDeployment({
      redisUrl: redisServer.url,
      env: {
        COUNTERS_WARM_CHECK_MS: "600000",
        COUNTER_MAX_DELTA: "100",
        COUNTERS_VIEW_RATE_LIMIT: "100",
        COUNTERS_SHARE_RATE_LIMIT: "100",
      },
    });
    a = await startInstance(deployment.env);
    await a.service.rebuildSettled();
  });
  afterAll(async () => {
    await a?.stop();
    redis?.disconnect();
    await redisServer?.destroy();
    await deployment?.drop();
  });

  /** By a fresh viewer each time (never rate-limited), on a post the projection knows. */
  const increment = (resourceId: string, delta: number, type = "VIEW", on = a) =>
    on.gql<{ incrementCounter: { value: number } }>(INCREMENT, { input: { resourceId, type, delta } }, freshViewer());
  const post = () => seedPost(a);
  const value = async (resourceId: string, type = "VIEW", on = a) =>
    (await on.gql<{ counter: { value: number } }>(COUNTER, { id: resourceId, type })).data?.counter.value;
  const redisHas = async (resourceId: string, type = "VIEW") =>
    (await redis.exists(`${deployment.env.REDIS_KEY_PREFIX}ctr:v:${type}:${resourceId}`)) === 1;
  const isWarm = async () => (await redis.exists(`${deployment.env.REDIS_KEY_PREFIX}ctr:warm`)) === 1;

  it("rebuilds counters and like sets on a cold key after FLUSHALL", async () => {
    const ids = [await post(), await post(), await post()];
    await increment(ids[0]!, 5);
    await increment(ids[1]!, 7, "SHARE");
    await Promise.all(Array.from({ length: 30 }, () => increment(ids[2]!, 1)));
    const postId = await createPost(a);
    await a.gql(LIKE, { id: postId }, "u1");
    await a.gql(LIKE, { id: postId }, "u2");
    await increment(postId, 3);

    await redis.flushall();

    const counters = await a.gql<{ counters: Array<{ value: number }> }>(COUNTERS, {
      keys: [
        { resourceId: ids[0], type: "VIEW" },
        { resourceId: ids[1], type: "SHARE" },
        { resourceId: ids[2], type: "VIEW" },
        { resourceId: randomUUID(), type: "VIEW" },
      ],
    });
    expect(counters.errors).toBeUndefined();
    expect(counters.data?.counters.map((c) => c.value)).toEqual([5, 7, 30, 0]);

    const entities = await a.gql<{ _entities: unknown[] }>(POST_ENTITIES, { reps: [{ __typename: "Post", id: postId }] }, "u1");
    expect(entities.data?._entities).toEqual([{ id: postId, likeCount: 2, viewCount: 3, viewerHasLiked: true }]);
    // The rebuilt like set still knows u1 liked: liking again changes nothing.
    const again = await a.gql<{ likePost: { likeCount: number } }>(LIKE, { id: postId }, "u1");
    expect(again.data?.likePost.likeCount).toBe(2);
    expect((await increment(ids[0]!, 1)).data?.incrementCounter.value).toBe(6);
  });

  it("loses no acknowledged increment when Redis is flushed while increments are in flight", async () => {
    const id = await post();
    let acknowledged = 0;
    let flushed = false;
    const results = await Promise.all(
      Array.from({ length: 300 }, async () => {
        const result = await increment(id, 1);
        acknowledged += 1;
        if (acknowledged === 100 && !flushed) {
          flushed = true;
          await redis.flushall();
        }
        return result;
      }),
    );
    expect(flushed).toBe(true);
    expect(results.filter((r) => r.errors)).toEqual([]);
    expect(await value(id)).toBe(300);
    await waitFor(
      async () => (await a.service.snapshots.read(a.service.log.id, [{ resourceId: id, type: "VIEW" }]))[0]!.value === 300,
      {
        timeoutMs: 30_000,
        description: "300 persisted",
      },
    );
    // And once more from scratch: the durable copy alone gives the same count.
    await redis.flushall();
    expect(await value(id)).toBe(300);
  });

  it("rebuilds every counter in the background once an instance notices the loss", async () => {
    const untouched = await post();
    await increment(untouched, 9);
    const watcher = await startInstance({ ...deployment.env, COUNTERS_WARM_CHECK_MS: "200" });
    try {
      await watcher.service.rebuildSettled();
      await redis.flushall();
      await waitFor(isWarm, { timeoutMs: 30_000, description: "Redis warm again" });
      expect(await redisHas(untouched)).toBe(true);
      expect(await value(untouched)).toBe(9);
    } finally {
      await watcher.stop();
    }
  });

  it("is restored by `npm run counters:rebuild`, and resynced from scratch with --reset", async () => {
    const untouched = await post();
    await increment(untouched, 4, "SHARE");
    await redis.flushall();
    const run = (args: string[]) =>
      promisify(execFile)(`${repoRoot}node_modules/.bin/tsx`, ["subgraphs/counters/src/cli/rebuild.ts", ...args], {
        cwd: repoRoot,
        env: { ...process.env, ...deployment.env },
        timeout: 120_000,
      });
    const { stdout } = await run([]);
    expect(stdout).toMatch(/Redis is warm/);
    expect(await isWarm()).toBe(true);
    expect(await redisHas(untouched, "SHARE")).toBe(true);
    expect(await value(untouched, "SHARE")).toBe(4);

    // A hot value that drifted (written behind the service's back) is put right by a reset.
    await redis.hset(`${deployment.env.REDIS_KEY_PREFIX}ctr:v:SHARE:${untouched}`, "v", "1000");
    const reset = await run(["--reset"]);
    expect(reset.stdout).toMatch(/dropped \d+ counter and like keys/);
    expect(await value(untouched, "SHARE")).toBe(4);
  });

  it("serves the same counts from a restarted service on a brand-new Redis", async () => {
    const id = await post();
    await increment(id, 12);
    await a.stop();
    const freshRedis = await startRedis();
    try {
      a = await startInstance({ ...deployment.env, REDIS_URL: freshRedis.url });
      expect(await value(id)).toBe(12);
      expect((await increment(id, 1)).data?.incrementCounter.value).toBe(13);
      await a.stop();
    } finally {
      await freshRedis.destroy();
    }
    // Back on the first Redis, which missed the increment above: as after any switch of Redis, it is rebuilt.
    await redis.flushall();
    a = await startInstance(deployment.env);
    expect(await value(id)).toBe(13);
  });
});
