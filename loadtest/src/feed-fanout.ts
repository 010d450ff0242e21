// Fan-out of one post to 10,000 followers with real Postgres, Redis and Kafka: the time from createPost until every
// follower's home timeline holds the post.
//   npx tsx loadtest/src/feed-fanout.ts [--followers 10000] [--posts 5]
// Starts throw-away Postgres/Redis/Kafka and the posts subgraph as its own process (as deployed); the follow projection
// is seeded straight into the posts shards (what 10,000 Followed events would leave there), then each post is written
// through the subgraph's GraphQL API and the followers' Redis timelines are watched.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { routerSignature } from "./router-signature.ts";
import { createPrismaShards, newId, randomBucket } from "@plaza/sharding";
import { PrismaClient } from "@plaza/posts/generated/prisma/client";
import { startBenchServices, until } from "./bench-services.ts";
import { freePort, repoRoot } from "./process-stack.ts";

const { values } = parseArgs({
  options: { followers: { type: "string", default: "10000" }, posts: { type: "string", default: "5" } },
});
const followerCount = Number(values.followers);
const postCount = Number(values.posts);
const REDIS_PREFIX = "bench:";

const services = await startBenchServices();
const shardUrls = await services.createDatabases("bench_posts", 2);
const port = await freePort();
const internalAuthKey = randomBytes(32).toString("hex");
const child = spawn(join(repoRoot, "node_modules/.bin/tsx"), ["subgraphs/posts/src/index.ts"], {
  cwd: repoRoot,
  stdio: ["ignore", "inherit", "inherit"],
  env: {
    ...process.env,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    POSTS_PORT: String(port),
    POSTS_DATABASE_SHARD_URLS: shardUrls.join(","),
    REDIS_URL: services.redisUrl,
    REDIS_KEY_PREFIX: REDIS_PREFIX,
    KAFKA_BROKERS: services.kafkaBrokers.join(","),
    KAFKA_GROUP_PREFIX: "bench.",
    INTERNAL_AUTH_KEY: internalAuthKey,
  },
});
const redis = new Redis(services.redisUrl, { keyPrefix: REDIS_PREFIX });
const shards = await createPrismaShards({ shardUrls, poolMax: 4, makeClient: (adapter) => new PrismaClient({ adapter }) });

try {
  const base = `http://127.0.0.1:${port}`;
  await until(
    async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok === true,
    "the posts subgraph to be ready",
    180_000,
  );

  // The projection as 10,000 Followed events would leave it, written in bulk.
  const author = newId(randomBucket());
  const followers = Array.from({ length: followerCount }, () => newId(randomBucket())).sort();
  const at = new Date();
  const edge = { active: true, changedAt: at };
  const authorShard = shards.router.forId(author)!;
  for (let i = 0; i < followers.length; i += 2_000) {
    await authorShard.client.feedFollower.createMany({
      data: followers
        .slice(i, i + 2_000)
        .map((followerId) => ({ followeeId: author, followerId, eventId: randomUUID(), ...edge })),
    });
  }
  for (const { shard, ids } of shards.router.groupIdsByShard(followers)) {
    for (let i = 0; i < ids.length; i += 2_000) {
      await shard.client.feedFollowing.createMany({
        data: ids.slice(i, i + 2_000).map((followerId) => ({ followerId, followeeId: author, eventId: randomUUID(), ...edge })),
      });
    }
  }
  await authorShard.client.feedAuthor.create({ data: { authorId: author, followerCount } });
  // Active followers have built timelines (the marker the feed reader writes); fan-out writes to them either way.
  const warm = redis.pipeline();
  for (const follower of followers) warm.zadd(`feed:tl:${follower}`, "+inf", "~built");
  await warm.exec();

  const sign = routerSignature(internalAuthKey, "posts", { viewerId: author });
  const key = (viewer: string) => `feed:tl:${viewer}`;
  const [firstFollower, lastFollower] = [followers[0]!, followers.at(-1)!];

  async function missing(postId: string, among: string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < among.length; i += 2_000) {
      const batch = among.slice(i, i + 2_000);
      const pipeline = redis.pipeline();
      for (const viewer of batch) pipeline.zscore(key(viewer), postId);
      const results = (await pipeline.exec())!;
      results.forEach(([, score], j) => {
        if (score === null) out.push(batch[j]!);
      });
    }
    return out;
  }

  const runs: Array<{ writeMs: number; firstFollowerMs: number; allFollowersMs: number }> = [];
  // Post 0 warms up (connections, JIT, Kafka producer id); it is reported but not counted.
  let warmUp: (typeof runs)[number] | undefined;
  for (let n = 0; n <= postCount; n++) {
    const started = performance.now();
    const body = JSON.stringify({
      query: "mutation ($b: String!) { createPost(input: { body: $b }) { id } }",
      variables: { b: `bench post ${n}` },
    });
    const response = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...sign(body) },
      body,
    });
    const postId = ((await response.json()) as { data: { createPost: { id: string } } }).data.createPost.id;
    const writeMs = performance.now() - started;
    // Cheap polling (two keys) while the fan-out runs, so the watcher does not compete with it for Redis and CPU.
    let firstFollowerMs = 0;
    for (;;) {
      const polled = (await redis.pipeline().zscore(key(firstFollower), postId).zscore(key(lastFollower), postId).exec())!;
      const [first, last] = polled.map(([, score]) => score);
      if (first != null && !firstFollowerMs) firstFollowerMs = performance.now() - started;
      if (last != null) break;
      if (performance.now() - started > 120_000) throw new Error("fan-out did not finish within 120 s");
      await new Promise((r) => setTimeout(r, 2));
    }
    let allFollowersMs = performance.now() - started;
    // Then the whole audience is checked; if any timeline still lacks it, keep watching them.
    let pending = await missing(postId, followers);
    while (pending.length > 0) {
      pending = await missing(postId, pending);
      allFollowersMs = performance.now() - started;
    }
    const run = { writeMs, firstFollowerMs: firstFollowerMs || allFollowersMs, allFollowersMs };
    if (n === 0) warmUp = run;
    else runs.push(run);
    console.log(
      `${n === 0 ? "warm-up post" : `post ${n}`}: write ${writeMs.toFixed(1)} ms, first follower ${run.firstFollowerMs.toFixed(0)} ms, all ${followerCount} followers ${allFollowersMs.toFixed(0)} ms`,
    );
  }

  const metricsText = await (await fetch(`${base}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^plaza_posts_${name} ([0-9.e+-]+)`, "m").exec(metricsText)?.[1] ?? NaN);
  const sorted = runs.map((r) => r.allFollowersMs).sort((a, b) => a - b);
  const report = {
    scenario: "fan-out of one post",
    followers: followerCount,
    posts: postCount,
    warmUp,
    runs,
    allFollowersMedianMs: Math.round(sorted[Math.floor(sorted.length / 2)]!),
    allFollowersMaxMs: Math.round(sorted.at(-1)!),
    consumerFanOutMeanMs: Math.round((metric("fanout_duration_seconds_sum") / metric("fanout_duration_seconds_count")) * 1000),
    targetMs: 2_000,
    at: new Date().toISOString(),
  };
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "feed-fanout.json"), JSON.stringify(report, null, 2));
  console.log(
    `\nfan-out to ${followerCount} followers over ${postCount} posts: median ${report.allFollowersMedianMs} ms, max ${report.allFollowersMaxMs} ms ` +
      `from createPost to the last timeline (consumer's own fan-out time: mean ${report.consumerFanOutMeanMs} ms; target ≤ ${report.targetMs} ms)`,
  );
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
  await redis.quit();
  await shards.close();
  await services.stop();
}
