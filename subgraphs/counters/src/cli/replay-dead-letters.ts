// `npm run counters:replay-dead-letters [-- --dry-run]`: appends the counter events the write-behind parked on
// plaza.counters.v1.dlq back to the counter log, for the deployment configured in the environment / .env. Run it
// once the cause is fixed (read each message's dlq-error header first; --dry-run lists what would be replayed).
// The write-behind (of the running service) then applies them to Postgres; Redis already counted them. A replayed
// position is remembered (consumer group counters.dead-letter-replay): running it twice replays nothing twice.
import "dotenv/config";
import { parseArgs } from "node:util";
import { createLogger } from "@plaza/kit";
import { exitOnConfigError } from "@plaza/runtime";
import { loadCountersConfig } from "../env.ts";
import { createKafkaCounterLog } from "../adapters/kafka/kafka-counter-log.ts";
import { replayCounterDeadLetters } from "../adapters/kafka/replay-dead-letters.ts";

const { values } = parseArgs({
  options: { "dry-run": { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log("usage: counters:replay-dead-letters [--dry-run]   (see subgraphs/counters/README.md, Dead letters)");
  process.exit(0);
}

const config = exitOnConfigError(() => loadCountersConfig());
if (config.KAFKA_BROKERS.length === 0) {
  console.error(
    "counters:replay-dead-letters works on a deployment with KAFKA_BROKERS (the .env of `npm run infra:up`).\n" +
      'The embedded default keeps no dead-letter topic: its parked events are logged in full ("counter event parked").',
  );
  process.exit(1);
}

const logger = createLogger({ service: "counters-replay", level: config.LOG_LEVEL });
const log = createKafkaCounterLog({
  brokers: config.KAFKA_BROKERS,
  logger,
  clientId: "plaza-counters-replay",
  groupIdPrefix: config.KAFKA_GROUP_PREFIX,
  topicPartitions: config.COUNTERS_LOG_PARTITIONS,
});
let exitCode = 0;
try {
  const report = await replayCounterDeadLetters({
    brokers: config.KAFKA_BROKERS,
    logger,
    log,
    groupIdPrefix: config.KAFKA_GROUP_PREFIX,
    dryRun: values["dry-run"],
  });
  for (const item of report.replayed) {
    console.log(
      `${values["dry-run"] ? "would replay" : "replayed"} dlq offset ${item.offset}: ${item.type} ${item.aggregateId} (${item.eventId})`,
    );
  }
  for (const item of report.skipped) console.log(`skipped dlq offset ${item.offset}: ${item.reason}`);
  console.log(`${report.replayed.length} replayed${values["dry-run"] ? " (dry run)" : ""}, ${report.skipped.length} skipped`);
} catch (err) {
  console.error(`counters:replay-dead-letters failed: ${err instanceof Error ? err.message : String(err)}`);
  exitCode = 1;
} finally {
  await log.close();
}
process.exit(exitCode);
