import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEvent } from "../create-event.ts";
import type { EventEnvelope } from "../envelope.ts";
import type { EventBus } from "../event-bus.port.ts";
import { ProfileUpdated, UserRegistered } from "../schemas/users.ts";
import { eventually } from "../testing/eventually.ts";
import { OUTBOX_TABLE_STATEMENTS } from "./outbox-ddl.ts";
import { createOutboxRelay, type OutboxRelay } from "./outbox-relay.ts";
import { purgePublishedOutbox } from "./purge-outbox.ts";
import type { SqlClient } from "./sql-client.ts";
import { writeOutbox } from "./write-outbox.ts";

/** One database holding an outbox; every `connect()` is a separate client, as separate relay instances would have. */
export interface OutboxTestDatabase {
  connect(): SqlClient;
  close(): Promise<void>;
}

interface OutboxRow {
  id: string;
  key: string;
  published_at: Date | string | null;
  attempts: number;
  last_error: string | null;
}

/** Creating a database may take seconds (PGlite compiles WebAssembly; a server creates a database). */
const DATABASE_SETUP_TIMEOUT_MS = 120_000;

const logger = pino({ level: process.env.PLAZA_TEST_LOG_LEVEL ?? "silent" });

/** Records what was published, in call order; can be told to fail, and yields between calls to interleave relays. */
function recordingBus() {
  const published: EventEnvelope[] = [];
  let failure: Error | undefined;
  const bus: Pick<EventBus, "publish"> = {
    async publish(events) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      if (failure) throw failure;
      published.push(...events);
    },
  };
  return {
    bus,
    published,
    failWith(error: Error | undefined) {
      failure = error;
    },
  };
}

function registered(userId: string) {
  return createEvent(UserRegistered, userId, {
    userId,
    handle: userId,
    displayName: userId,
    createdAt: new Date().toISOString(),
  });
}

function profileUpdated(userId: string, n: number) {
  return createEvent(ProfileUpdated, userId, {
    userId,
    displayName: `${userId} #${n}`,
    bio: null,
    updatedAt: new Date().toISOString(),
  });
}

/**
 * The outbox (writeOutbox + relay) against one SQL engine. Run for real Postgres and for PGlite.
 */
export function runOutboxRelaySuite(name: string, createDatabase: () => Promise<OutboxTestDatabase>): void {
  describe(`transactional outbox on ${name}`, () => {
    let database: OutboxTestDatabase;
    let db: SqlClient;
    const relays: OutboxRelay[] = [];

    beforeAll(async () => {
      database = await createDatabase();
      db = database.connect();
      // Twice: migrations may re-run the DDL.
      for (const statement of [...OUTBOX_TABLE_STATEMENTS, ...OUTBOX_TABLE_STATEMENTS]) await db.$executeRawUnsafe(statement);
    }, DATABASE_SETUP_TIMEOUT_MS);
    afterAll(async () => {
      await database?.close();
    }, DATABASE_SETUP_TIMEOUT_MS);
    beforeEach(async () => {
      await Promise.all(relays.splice(0).map((relay) => relay.stop()));
      await db.$executeRawUnsafe("TRUNCATE outbox_events");
    });

    const rows = () =>
      db.$queryRawUnsafe<OutboxRow[]>(
        "SELECT id::text AS id, key, published_at, attempts, last_error FROM outbox_events ORDER BY seq",
      );

    it("writes rows only when the caller's transaction commits", async () => {
      const kept = registered("u-commit");
      await db.$transaction(async (tx) => writeOutbox(tx, [kept]));
      await expect(
        db.$transaction(async (tx) => {
          await writeOutbox(tx, [registered("u-rollback")]);
          throw new Error("business rule violated");
        }),
      ).rejects.toThrow("business rule violated");

      expect((await rows()).map((row) => row.id)).toEqual([kept.id]);
    });

    it("refuses invalid events before writing anything", async () => {
      const good = registered("u-good");
      const bad = { ...registered("u-bad"), payload: { userId: "u-bad" } };
      await expect(db.$transaction(async (tx) => writeOutbox(tx, [good, bad]))).rejects.toMatchObject({
        name: "InvalidEventError",
      });
      expect(await rows()).toEqual([]);
    });

    it("publishes rows in order and marks them published", async () => {
      const { bus, published } = recordingBus();
      const relay = createOutboxRelay({ shards: [{ name: "s0", db }], bus, logger, batchSize: 3 });
      const events = [
        registered("u1"),
        profileUpdated("u1", 1),
        registered("u2"),
        profileUpdated("u1", 2),
        profileUpdated("u2", 1),
      ];
      await db.$transaction(async (tx) => writeOutbox(tx, events.slice(0, 2)));
      await db.$transaction(async (tx) => writeOutbox(tx, events.slice(2)));

      expect(await relay.drainOnce()).toEqual({ published: 5, failed: 0, invalid: 0 });
      expect(published).toEqual(events);
      for (const row of await rows()) {
        expect(row.published_at).not.toBeNull();
        expect(row).toMatchObject({ attempts: 1, last_error: null });
      }
      expect(await relay.drainOnce()).toEqual({ published: 0, failed: 0, invalid: 0 });
    });

    it("records failed publishes, keeps the rows, and publishes them once the bus is back", async () => {
      const { bus, published, failWith } = recordingBus();
      const failures: string[] = [];
      const relay = createOutboxRelay({
        shards: [{ name: "s0", db }],
        bus,
        logger,
        metrics: { failed: (shard) => failures.push(shard) },
      });
      const events = [registered("f1"), registered("f2")];
      await db.$transaction(async (tx) => writeOutbox(tx, events));

      failWith(new Error("broker unavailable"));
      expect(await relay.drainOnce()).toEqual({ published: 0, failed: 2, invalid: 0 });
      expect(failures).toEqual(["s0"]);
      for (const row of await rows())
        expect(row).toMatchObject({ published_at: null, attempts: 1, last_error: "broker unavailable" });

      failWith(undefined);
      expect(await relay.drainOnce()).toEqual({ published: 2, failed: 0, invalid: 0 });
      expect(published).toEqual(events);
      for (const row of await rows()) expect(row).toMatchObject({ attempts: 2, last_error: null });
    });

    it("publishes every row exactly once, in per-key order, with two relays on one database", async () => {
      const { bus, published } = recordingBus();
      const perRelay = [0, 0];
      const makeRelay = (index: number) =>
        createOutboxRelay({
          shards: [{ name: "s0", db: database.connect() }],
          bus,
          logger,
          batchSize: 7,
          pollIntervalMs: 5,
          metrics: { published: (_shard, count) => (perRelay[index]! += count) },
        });
      const written: EventEnvelope[] = [];
      const keys = Array.from({ length: 8 }, (_, index) => `user-${index}`);
      const writer = (async () => {
        for (let transaction = 0; transaction < 25; transaction++) {
          const events = keys.slice(0, 4 + (transaction % 5)).map((key) => profileUpdated(key, transaction));
          await db.$transaction(async (tx) => writeOutbox(tx, events));
          written.push(...events);
        }
      })();
      const relayA = makeRelay(0);
      const relayB = makeRelay(1);
      relays.push(relayA, relayB);
      relayA.start();
      relayB.start();
      await writer;
      await eventually(() => published.length >= written.length && relayA.backlog().then(([shard]) => shard?.unpublished === 0), {
        timeoutMs: 60_000,
        description: "every row published",
      });
      await Promise.all([relayA.stop(), relayB.stop()]);

      const counts = new Map<string, number>();
      for (const event of published) counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
      expect(published).toHaveLength(written.length);
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
      expect(new Set(counts.keys())).toEqual(new Set(written.map((event) => event.id)));
      for (const key of keys) {
        const order = (events: EventEnvelope[]) => events.filter((event) => event.aggregateId === key).map((event) => event.id);
        expect(order(published)).toEqual(order(written));
      }
      expect(perRelay[0]! + perRelay[1]!).toBe(written.length);
      expect(perRelay[0]).toBeGreaterThan(0);
      expect(perRelay[1]).toBeGreaterThan(0);
      for (const row of await rows()) expect(row).toMatchObject({ attempts: 1 });
    });

    it("publishes soon after kick() without waiting for the poll interval", async () => {
      const { bus, published } = recordingBus();
      const relay = createOutboxRelay({ shards: [{ name: "s0", db }], bus, logger, pollIntervalMs: 600_000 });
      relays.push(relay);
      const first = registered("before-start");
      await db.$transaction(async (tx) => writeOutbox(tx, [first]));
      relay.start();
      // Once the first pass has published this, the loop sleeps for the (long) poll interval.
      await eventually(() => published.some((candidate) => candidate.id === first.id), { description: "first pass" });
      const event = registered("kicked");
      await db.$transaction(async (tx) => writeOutbox(tx, [event]));
      relay.kick();
      await eventually(() => published.some((candidate) => candidate.id === event.id), {
        timeoutMs: 30_000,
        description: "kicked publish",
      });
    });

    it("reports the backlog per shard", async () => {
      const { bus } = recordingBus();
      const relay = createOutboxRelay({ shards: [{ name: "users-0", db }], bus, logger });
      expect(await relay.backlog()).toEqual([{ shard: "users-0", unpublished: 0, oldestAgeSeconds: 0 }]);
      await db.$transaction(async (tx) => writeOutbox(tx, [registered("b1"), registered("b2")]));
      const [backlog] = await relay.backlog();
      expect(backlog).toMatchObject({ shard: "users-0", unpublished: 2 });
      expect(backlog!.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
      await relay.drainOnce();
      expect(await relay.backlog()).toEqual([{ shard: "users-0", unpublished: 0, oldestAgeSeconds: 0 }]);
    });

    it("parks a row that is not a valid event and carries on, its key included", async () => {
      const { bus, published } = recordingBus();
      const parked: number[] = [];
      const relay = createOutboxRelay({
        shards: [{ name: "s0", db }],
        bus,
        logger,
        metrics: { invalid: (_shard, count) => parked.push(count) },
      });
      const broken = registered("broken");
      await db.$executeRawUnsafe(
        "INSERT INTO outbox_events (id, topic, key, type, version, payload) VALUES ($1::uuid, $2, $3, $4, 1, $5::jsonb)",
        broken.id,
        UserRegistered.topic,
        "broken",
        "UserRegistered",
        JSON.stringify({ ...broken, payload: { nope: true } }),
      );
      const after = profileUpdated("broken", 1);
      const other = registered("fine");
      await db.$transaction(async (tx) => writeOutbox(tx, [after, other]));

      expect(await relay.drainOnce()).toEqual({ published: 2, failed: 0, invalid: 1 });
      expect(published).toEqual([after, other]);
      expect(parked).toEqual([1]);
      const byId = new Map((await rows()).map((row) => [row.id, row]));
      expect(byId.get(broken.id)!.published_at).not.toBeNull();
      expect(byId.get(broken.id)!.last_error).toMatch(/^invalid event: Invalid UserRegistered v1 payload/);
      expect(await relay.backlog()).toMatchObject([{ unpublished: 0 }]);
    });

    it("purges published rows and keeps pending ones", async () => {
      const { bus } = recordingBus();
      const relay = createOutboxRelay({ shards: [{ name: "s0", db }], bus, logger });
      await db.$transaction(async (tx) => writeOutbox(tx, [registered("p1"), registered("p2")]));
      await relay.drainOnce();
      const pending = registered("p3");
      await db.$transaction(async (tx) => writeOutbox(tx, [pending]));

      expect(await purgePublishedOutbox(db, { olderThanMs: 60_000 })).toBe(0);
      expect(await purgePublishedOutbox(db, { olderThanMs: 0, limit: 1 })).toBe(1);
      expect(await purgePublishedOutbox(db, { olderThanMs: 0 })).toBe(1);
      expect((await rows()).map((row) => row.id)).toEqual([pending.id]);
    });

    it("relays several shards", { timeout: DATABASE_SETUP_TIMEOUT_MS }, async () => {
      const second = await createDatabase();
      try {
        const secondDb = second.connect();
        for (const statement of OUTBOX_TABLE_STATEMENTS) await secondDb.$executeRawUnsafe(statement);
        const { bus, published } = recordingBus();
        const relay = createOutboxRelay({
          shards: [
            { name: "s0", db },
            { name: "s1", db: secondDb },
          ],
          bus,
          logger,
        });
        const onFirst = registered("on-first");
        const onSecond = registered("on-second");
        await db.$transaction(async (tx) => writeOutbox(tx, [onFirst]));
        await secondDb.$transaction(async (tx) => writeOutbox(tx, [onSecond]));

        expect(await relay.drainOnce()).toEqual({ published: 2, failed: 0, invalid: 0 });
        expect(new Set(published.map((event) => event.id))).toEqual(new Set([onFirst.id, onSecond.id]));
        expect((await relay.backlog()).map((backlog) => [backlog.shard, backlog.unpublished])).toEqual([
          ["s0", 0],
          ["s1", 0],
        ]);
      } finally {
        await second.close();
      }
    });
  });
}
