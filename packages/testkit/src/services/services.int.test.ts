import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Redis } from "ioredis";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import {
  createKafkaTestClient,
  createRedisTestClient,
  createTestDatabase,
  createTestPgPool,
  testInfra,
  uniqueName,
  waitFor,
} from "../index.ts";
import { isPortOpen } from "./free-port.ts";
import { startKafka, type KafkaHandle } from "./kafka.ts";
import { startPostgres } from "./postgres.ts";
import { startRedis } from "./redis.ts";

describe("services shared by the test run (global setup)", () => {
  it("Postgres answers queries in a fresh plaza_test_ database, which drop() removes", async () => {
    const db = await createTestDatabase("testkit");
    expect(db.name).toMatch(/^plaza_test_testkit_[0-9a-f]{8}$/);
    const pool = createTestPgPool(db.url);
    try {
      const { rows } = await pool.query<{ db: string; n: number }>("select current_database() as db, 1 + 1 as n");
      expect(rows[0]).toEqual({ db: db.name, n: 2 });
    } finally {
      await pool.end();
    }
    await db.drop();
    const admin = new pg.Client({ connectionString: testInfra().postgresUrl });
    await admin.connect();
    try {
      const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [db.name]);
      expect(rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });

  it("refuses to connect to a database whose name does not start with plaza_test_", () => {
    expect(() => createTestPgPool(testInfra().postgresUrl)).toThrow(/Refusing to use database "postgres"/);
  });

  it("Redis answers PING and stores keys", async () => {
    const redis = createRedisTestClient({ keyPrefix: `${uniqueName("testkit")}:` });
    try {
      expect(await redis.ping()).toBe("PONG");
      await redis.set("greeting", "hello");
      expect(await redis.get("greeting")).toBe("hello");
    } finally {
      await redis.quit();
    }
  });

  it("Kafka delivers a produced message to a consumer (auto-created topic)", async () => {
    const kafka = createKafkaTestClient();
    const topic = uniqueName("testkit-topic");
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ key: "k", value: "hello kafka" }] });
      expect(await consumeOne(kafka, topic)).toBe("hello kafka");
    } finally {
      await producer.disconnect();
    }
  });
});

describe("service handles", () => {
  let kafka: KafkaHandle;
  beforeAll(async () => {
    kafka = await startKafka();
  });
  afterAll(async () => {
    await kafka?.destroy();
  });

  it("Kafka stop() closes the port, start() comes back on the same port with its data", async () => {
    const client = new Kafka({ clientId: "restart-test", brokers: kafka.brokers, logLevel: logLevel.NOTHING });
    const topic = uniqueName("restart");
    const producer = client.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: "before restart" }] });
    await producer.disconnect();

    const port = kafka.port;
    await kafka.stop();
    expect(kafka.isRunning()).toBe(false);
    expect(await isPortOpen(port)).toBe(false);

    await kafka.start();
    expect(kafka.port).toBe(port);
    expect(kafka.brokers).toEqual([`127.0.0.1:${port}`]);
    expect(kafka.isRunning()).toBe(true);

    const again = client.producer();
    await again.connect();
    try {
      await again.send({ topic, messages: [{ value: "after restart" }] });
    } finally {
      await again.disconnect();
    }
    // Three partitions: no order across them.
    expect((await consumeAll(client, topic, 2)).sort()).toEqual(["after restart", "before restart"]);
  });

  it("Postgres and Redis restart on the same port; Postgres keeps its data", async () => {
    const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    try {
      const query = async (sql: string) => {
        const client = new pg.Client({ connectionString: postgres.url });
        await client.connect();
        try {
          return await client.query(sql);
        } finally {
          await client.end();
        }
      };
      await query("create table kept (v text); insert into kept values ('still here')");
      const ping = async () => {
        const client = new Redis(redis.url, { maxRetriesPerRequest: 0, lazyConnect: true });
        try {
          await client.connect();
          return await client.ping();
        } finally {
          client.disconnect();
        }
      };

      await Promise.all([postgres.stop(), redis.stop()]);
      expect(await isPortOpen(postgres.port)).toBe(false);
      expect(await isPortOpen(redis.port)).toBe(false);
      await Promise.all([postgres.start(), redis.start()]);

      expect((await query("select v from kept")).rows).toEqual([{ v: "still here" }]);
      expect(await ping()).toBe("PONG");
    } finally {
      await Promise.all([postgres.destroy(), redis.destroy()]);
    }
  });
});

async function consumeOne(kafka: Kafka, topic: string): Promise<string> {
  const [value] = await consumeAll(kafka, topic, 1);
  return value ?? "";
}

/** Reads `count` messages of `topic` from the beginning with a fresh consumer group. */
async function consumeAll(kafka: Kafka, topic: string, count: number): Promise<string[]> {
  // A short fetch wait: disconnect() waits for the in-flight fetch, which otherwise idles up to 5 s on an empty topic.
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName("testkit-group"), maxWaitTimeInMs: 100 });
  const received: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message.value?.toString() ?? "");
      },
    });
    await waitFor(() => received.length >= count, { timeoutMs: 30_000, description: `${count} message(s) on ${topic}` });
    return received;
  } finally {
    await consumer.disconnect();
  }
}
