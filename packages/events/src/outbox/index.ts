export { OUTBOX_TABLE_DDL, OUTBOX_TABLE_STATEMENTS } from "./outbox-ddl.ts";
export type { SqlClient, SqlExecutor, SqlTransactionOptions } from "./sql-client.ts";
export { writeOutbox, type OutboxEvents } from "./write-outbox.ts";
export {
  createOutboxRelay,
  type DrainResult,
  type OutboxRelay,
  type OutboxRelayMetrics,
  type OutboxRelayOptions,
  type OutboxShard,
  type ShardBacklog,
} from "./outbox-relay.ts";
export { purgePublishedOutbox } from "./purge-outbox.ts";
