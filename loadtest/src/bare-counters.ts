// The floor under `incrementCounter`: the counters subgraph's own durable increment (Kafka acks=all, then Redis,
// then the write-behind to Postgres) behind a bare node:http server, without GraphQL, identity checks or metrics.
// counters-increment.ts starts it beside the real stack, with its own databases, Redis prefix and Kafka topic, to
// measure what the GraphQL layers cost on top of the work itself. Not a product path.
//   BARE_PORT: where it answers `POST /` with a GraphQL-shaped body; BARE_VIEWER_ID: who increments (views count
//   only for signed-in viewers); BARE_POST_IDS: comma-separated posts to record as live in its own post projection
//   (it has its own databases); the rest is the counters subgraph's env.
import { createServer } from "node:http";
import { createLogger, readBody } from "@plaza/kit";
import { createEventBusFromConfig } from "@plaza/runtime";
import { loadCountersConfig } from "@plaza/counters/env";
import { startCountersService } from "@plaza/counters/service";

const config = loadCountersConfig();
const logger = createLogger({ service: "bare-counters", level: config.LOG_LEVEL });
const bus = createEventBusFromConfig({
  kafkaBrokers: config.KAFKA_BROKERS,
  clientId: "plaza-bare-counters",
  logger,
  groupIdPrefix: config.KAFKA_GROUP_PREFIX,
});
const service = await startCountersService(config, { bus, logger, logTopic: "bench.bare-counters.v1" });
const viewerId = process.env.BARE_VIEWER_ID ?? "bench-viewer";
for (const postId of (process.env.BARE_POST_IDS ?? "").split(",").filter(Boolean)) {
  const record = () => service.posts.recordCreated({ postId, authorId: viewerId, createdAt: new Date() });
  // Its projection consumer may be recording the same PostCreated from Kafka at this moment (an upsert that races
  // with another insert fails once; the second attempt finds the row).
  await record().catch(record);
}

function send(res: import("node:http").ServerResponse, status: number, payload: unknown) {
  const body = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) =>
  readBody(req, res, (body) => {
    let input: Parameters<typeof service.counters.increment>[0];
    try {
      input = (JSON.parse(body.toString("utf8")) as { variables: { input: typeof input } }).variables.input;
    } catch {
      return send(res, 400, { errors: [{ message: "expected a JSON body with variables.input" }] });
    }
    service.counters.increment(input, viewerId).then(
      (counter) => send(res, 200, { data: { incrementCounter: { value: counter.value } } }),
      (err: unknown) => send(res, 500, { errors: [{ message: String(err) }] }),
    );
  }),
);
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.BARE_PORT), "127.0.0.1");

const stop = () => {
  server.close();
  void service
    .stop()
    .then(() => bus.close())
    .finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
