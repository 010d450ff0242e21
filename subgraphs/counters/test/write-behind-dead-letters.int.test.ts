import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import {
  createEvent,
  createKafkaClient,
  CounterIncremented,
  DEAD_LETTER_HEADERS,
  deadLetterTopic,
  EVENT_HEADERS,
  headerText,
  type DeadLetterReason,
} from "@plaza/events";
import { createPrismaShards, migrateShards, type PrismaShards } from "@plaza/sharding";
import { createTestDatabase, testInfra, uniqueName, waitFor, type TestDatabase } from "@plaza/testkit";
import { PrismaClient } from "../src/generated/prisma/client.ts";
import { COUNTERS_MIGRATIONS_DIR } from "../src/service.ts";
import { createKafkaCounterLog } from "../src/adapters/kafka/kafka-counter-log.ts";
import { createMemoryCounterLog, type MemoryCounterLog } from "../src/adapters/memory/memory-counter-log.ts";
import { createSqlCounterSnapshots } from "../src/adapters/sql/sql-counter-snapshots.ts";
import { startWriteBehind, WRITE_BEHIND_GROUP } from "../src/application/write-behind.ts";
import { replayCounterDeadLetters } from "../src/adapters/kafka/replay-dead-letters.ts";
import type { CounterLog, LogConsumer } from "../src/application/ports/counter-log.port.ts";
import type { CounterSnapshots } from "../src/application/ports/counter-snapshots.port.ts";
import { startTcpProxy } from "./tcp-proxy.ts";

const view = (resourceId: string, delta = 1) =>
  createEvent(CounterIncremented, `VIEW:${resourceId}`, { resourceId, type: "VIEW", delta, viewerId: null });

/** A CounterIncremented whose resource id holds U+0000, built by hand: the API (and maybe the schema) refuses it. */
function nulEvent() {
  const good = view("x");
  const resourceId = `nul\u0000${randomUUID().slice(0, 8)}`;
  return { ...good, aggregateId: `VIEW:${resourceId}`, payload: { ...good.payload, resourceId } };
}

/** Shards refuse any counter whose id starts with "poison-": an event the write-behind can never apply. */
const POISON_CHECK = `ALTER TABLE counters ADD CONSTRAINT test_no_poison CHECK (resource_id NOT LIKE 'poison-%')`;

/** A logger whose warnings this test can count (the write-behind reports each failed round during an outage). */
function countingLogger() {
  const messages: string[] = [];
  const logger = pino(
    { level: "warn" },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split("\n").filter(Boolean)) messages.push(JSON.parse(line).msg);
        done();
      },
    }),
  );
  return { logger, count: (text: string) => messages.filter((m) => m.includes(text)).length };
}

async function readDeadLetters(topic: string, expected: number) {
  const kafka = createKafkaClient({ brokers: testInfra().kafkaBrokers, logger: pino({ level: "silent" }) });
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const messages: Array<{ value: string; headers: Record<string, string | undefined> }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [deadLetterTopic(topic)], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string | undefined> = {};
        for (const name of Object.keys(message.headers ?? {})) headers[name] = headerText(message.headers, name);
        messages.push({ value: message.value?.toString() ?? "", headers });
      },
    });
    await waitFor(() => messages.length >= expected, { timeoutMs: 30_000 });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

async function valueOf(snapshots: CounterSnapshots, logId: string, resourceId: string) {
  const [entry] = await snapshots.read(logId, [{ resourceId, type: "VIEW" }]);
  return entry!.value;
}

const FAST_RETRY = { initialMs: 20, maxMs: 200, isolatedAttempts: 2 };

describe("write-behind on Kafka + Postgres: poison events are parked, outages are waited out", () => {
  let databases: TestDatabase[];
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let shards: PrismaShards<PrismaClient>;
  let snapshots: CounterSnapshots;
  let log: CounterLog;
  let writeBehind: LogConsumer;
  const topic = uniqueName("counters-dlq");
  const deadLetters: DeadLetterReason[] = [];
  const logs = countingLogger();
  const groupIdPrefix = `${uniqueName("g")}.`;
  /** Resource ids of the poison events parked by the tests below, for the replay test. */
  const poisoned: string[] = [];

  beforeAll(async () => {
    databases = await Promise.all([0, 1].map(() => createTestDatabase("counters")));
    const server = new URL(databases[0]!.url);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
    // Every shard is reached through the proxy, so taking it down is a Postgres outage for the write-behind.
    const viaProxy = databases.map((db) => {
      const url = new URL(db.url);
      url.hostname = "127.0.0.1";
      url.port = String(proxy.port);
      return url.toString();
    });
    shards = await createPrismaShards({
      shardUrls: viaProxy,
      poolMax: 4,
      bucketCount: 16,
      makeClient: (adapter) => new PrismaClient({ adapter }),
    });
    await migrateShards({ migrationsDir: COUNTERS_MIGRATIONS_DIR, shards: shards.all });
    for (const shard of shards.all) await shard.sql.query(POISON_CHECK);
    snapshots = createSqlCounterSnapshots({ shards: shards.router });
    // One partition: the poison sits between good events of the same partition.
    log = createKafkaCounterLog({
      brokers: testInfra().kafkaBrokers,
      logger: pino({ level: "silent" }),
      topic,
      groupIdPrefix,
      topicPartitions: 1,
    });
    await log.append([view("warm-up")]);
    writeBehind = await startWriteBehind({
      log,
      snapshots,
      logger: logs.logger,
      onDeadLetter: (reason) => deadLetters.push(reason),
      retry: FAST_RETRY,
    });
  });

  afterAll(async () => {
    await writeBehind?.stop();
    await log?.close();
    await proxy?.up();
    await shards?.close();
    await proxy?.close();
    await Promise.all((databases ?? []).map((db) => db.drop()));
  });

  it("parks an event Postgres refuses and one with U+0000, persists the good events after them, and moves the offset on", async () => {
    const [a, b, c] = ["a", "b", "c"].map((name) => `${name}-${randomUUID()}`) as [string, string, string];
    const poison = view(`poison-${randomUUID()}`);
    poisoned.push(poison.payload.resourceId);
    await log.append([view(a, 1)]);
    const [poisonAt] = await log.append([poison]);
    await log.append([view(b, 2)]);
    // Written as raw bytes, as a foreign producer would: it never went through createEvent.
    const producer = createKafkaClient({ brokers: testInfra().kafkaBrokers, logger: pino({ level: "silent" }) }).producer();
    await producer.connect();
    const nul = nulEvent();
    const [nulReply] = await producer.send({
      topic,
      acks: -1,
      messages: [{ partition: 0, key: nul.aggregateId, value: JSON.stringify(nul), headers: { [EVENT_HEADERS.id]: nul.id } }],
    });
    await producer.disconnect();
    const [last] = await log.append([view(c, 3)]);

    // Shards commit independently: wait until every one has moved past the last event.
    await waitFor(async () => ((await snapshots.appliedOffsets(log.id)).get(0)?.lowest ?? -1) >= last!.offset, {
      timeoutMs: 60_000,
    });
    expect(await valueOf(snapshots, log.id, c)).toBe(3);
    expect(await valueOf(snapshots, log.id, a)).toBe(1);
    expect(await valueOf(snapshots, log.id, b)).toBe(2);
    expect((await snapshots.appliedOffsets(log.id)).get(0)?.lowest).toBeGreaterThanOrEqual(last!.offset);
    expect(deadLetters).toHaveLength(2);

    const parked = await readDeadLetters(topic, 2);
    const byOffset = new Map(parked.map((m) => [m.headers[DEAD_LETTER_HEADERS.sourceOffset], m]));
    const poisonParked = byOffset.get(String(poisonAt!.offset))!;
    expect(poisonParked.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: "handler-failed",
      [DEAD_LETTER_HEADERS.sourceTopic]: topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: "0",
      [EVENT_HEADERS.id]: poison.id,
    });
    expect(poisonParked.headers[DEAD_LETTER_HEADERS.groupId]).toMatch(new RegExp(`${WRITE_BEHIND_GROUP}$`));
    expect(poisonParked.headers[DEAD_LETTER_HEADERS.error]).toMatch(/test_no_poison/);
    expect(JSON.parse(poisonParked.value)).toEqual(poison);
    const nulParked = byOffset.get(String(Number(nulReply!.baseOffset)))!;
    // The write-behind refuses it (U+0000 cannot be stored), or the log already could not decode it as an event.
    expect(["handler-failed", "invalid-event"]).toContain(nulParked.headers[DEAD_LETTER_HEADERS.reason]);
    expect(JSON.parse(nulParked.value).payload.resourceId).toContain("\u0000");
  });

  it("parks nothing while Postgres is unreachable, not even a poison event, and catches up when it returns", async () => {
    const [d, e] = ["d", "e"].map((name) => `${name}-${randomUUID()}`) as [string, string];
    const before = deadLetters.length;
    const failedRounds = logs.count("cannot reach the durable copy");
    await proxy.down();
    await log.append([view(d, 4)]);
    const poison = view(`poison-${randomUUID()}`);
    poisoned.push(poison.payload.resourceId);
    await log.append([poison]);
    const [lastDuringOutage] = await log.append([view(e, 5)]);
    // Several rounds of retries have failed against the outage...
    await waitFor(() => logs.count("cannot reach the durable copy") >= failedRounds + 5, { timeoutMs: 60_000 });
    expect(deadLetters).toHaveLength(before);

    await proxy.up();
    await waitFor(async () => ((await snapshots.appliedOffsets(log.id)).get(0)?.lowest ?? -1) >= lastDuringOutage!.offset, {
      timeoutMs: 60_000,
    });
    expect(await valueOf(snapshots, log.id, e)).toBe(5);
    expect(await valueOf(snapshots, log.id, d)).toBe(4);
    // ...and the poison event is parked only once Postgres could tell it apart.
    expect(deadLetters).toEqual([...deadLetters.slice(0, before), "handler-failed"]);
  });

  it("replays parked events into Postgres once the cause is fixed, once however often it runs", async () => {
    for (const shard of shards.all) await shard.sql.query(`ALTER TABLE counters DROP CONSTRAINT test_no_poison`);
    const options = { brokers: testInfra().kafkaBrokers, logger: pino({ level: "silent" }), log, topic, groupIdPrefix };
    const dry = await replayCounterDeadLetters({ ...options, dryRun: true });
    const report = await replayCounterDeadLetters(options);
    expect(report.replayed.map((item) => item.aggregateId)).toEqual(dry.replayed.map((item) => item.aggregateId));
    const replayedIds = report.replayed.map((item) => item.aggregateId);
    for (const resourceId of poisoned) expect(replayedIds).toContain(`VIEW:${resourceId}`);
    for (const resourceId of poisoned) {
      await waitFor(async () => (await valueOf(snapshots, log.id, resourceId)) === 1, { timeoutMs: 60_000 });
    }
    // Remembered: a second run finds nothing new to replay (what the U+0000 event parks again comes later).
    const again = await replayCounterDeadLetters(options);
    expect(again.replayed.filter((item) => poisoned.some((id) => item.aggregateId === `VIEW:${id}`))).toEqual([]);
    for (const resourceId of poisoned) expect(await valueOf(snapshots, log.id, resourceId)).toBe(1);
  });
});

describe("write-behind on the embedded log + PGlite: the same poison handling", () => {
  it("parks an event the shards refuse and persists the events after it", async () => {
    const shards = await createPrismaShards({
      pgliteDirs: ["memory://", "memory://"],
      bucketCount: 16,
      makeClient: (adapter) => new PrismaClient({ adapter }),
    });
    await migrateShards({ migrationsDir: COUNTERS_MIGRATIONS_DIR, shards: shards.all });
    for (const shard of shards.all) await shard.sql.query(POISON_CHECK);
    const snapshots = createSqlCounterSnapshots({ shards: shards.router });
    const log: MemoryCounterLog = createMemoryCounterLog({ partitions: 1 });
    const deadLetters: DeadLetterReason[] = [];
    const writeBehind = await startWriteBehind({
      log,
      snapshots,
      logger: pino({ level: "silent" }),
      onDeadLetter: (reason) => deadLetters.push(reason),
      retry: FAST_RETRY,
    });
    try {
      const poison = view(`poison-${randomUUID()}`);
      await log.append([view("f", 1), poison, view("g", 2)]);
      await waitFor(async () => ((await snapshots.appliedOffsets(log.id)).get(0)?.lowest ?? -1) >= 2, { timeoutMs: 30_000 });
      expect(await valueOf(snapshots, log.id, "g")).toBe(2);
      expect(await valueOf(snapshots, log.id, "f")).toBe(1);
      expect(deadLetters).toEqual(["handler-failed"]);
      expect(log.deadLetters()).toMatchObject([{ offset: 1, event: { id: poison.id }, reason: "handler-failed" }]);
      expect(log.deadLetters()[0]!.error).toMatch(/test_no_poison/);
    } finally {
      await writeBehind.stop();
      await shards.close();
    }
  });
});
