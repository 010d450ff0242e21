import type { Logger } from "pino";
import type { EventEnvelope } from "../envelope.ts";
import type { EventBus } from "../event-bus.port.ts";
import { parseEventWithDefinition } from "../parse-event.ts";
import { eventRegistry, type EventRegistry } from "../registry.ts";
import { backoffDelay, errorMessage, sleep } from "../retry.ts";
import type { SqlClient, SqlExecutor } from "./sql-client.ts";

export interface OutboxShard {
  /** Label for logs and metrics (e.g. "users-0"). */
  name: string;
  db: SqlClient;
}

export interface OutboxRelayMetrics {
  /** Rows published and marked, per shard. */
  published?(shard: string, count: number): void;
  /** A publish (or database) failure; the relay backs off. */
  failed?(shard: string, error: unknown): void;
  /** Rows parked because they are not valid events (see `DrainResult.invalid`). */
  invalid?(shard: string, count: number): void;
}

export interface OutboxRelayOptions {
  shards: readonly OutboxShard[];
  bus: Pick<EventBus, "publish">;
  logger: Logger;
  /** Rows claimed per transaction (default 100). */
  batchSize?: number;
  /** Idle polling period; `kick()` wakes the relay earlier (default 1000). */
  pollIntervalMs?: number;
  /** Ceiling of the backoff after failures (default 30000). */
  maxBackoffMs?: number;
  /** Interactive-transaction timeout for claim + publish + mark; must exceed the bus's publish timeout (default 60000). */
  transactionTimeoutMs?: number;
  registry?: EventRegistry;
  metrics?: OutboxRelayMetrics;
}

export interface DrainResult {
  /** Rows published and marked. */
  published: number;
  /** Rows whose publish failed (attempts/last_error recorded). */
  failed: number;
  /**
   * Rows that do not parse as a registered event (a definition removed or changed while they were pending).
   * They are parked: `published_at` set without publishing, `last_error` starting with "invalid event:".
   */
  invalid: number;
}

export interface ShardBacklog {
  shard: string;
  /** Unpublished rows. */
  unpublished: number;
  /** Age of the oldest unpublished row (0 when none). */
  oldestAgeSeconds: number;
}

export interface OutboxRelay {
  /** Starts one polling loop per shard. */
  start(): void;
  /** Stops polling after the in-flight batches. */
  stop(): Promise<void>;
  /** Wakes every shard loop now (call after committing outbox rows) — unless a shard is backing off after failures. */
  kick(): void;
  /** One pass over every shard until it is empty or a publish fails. For tests and tools. */
  drainOnce(): Promise<DrainResult>;
  /** Unpublished rows per shard, for an outbox-backlog gauge (shards that cannot be queried are left out and logged). */
  backlog(): Promise<ShardBacklog[]>;
}

interface ClaimedRow {
  id: string;
  key: string;
  payload: unknown;
  /** Unpublished rows of the same key that come earlier (including ones claimed by other relays). */
  pending_before: number;
}

interface BatchOutcome extends DrainResult {
  claimed: number;
  /** Set when the batch failed (publish or database); the shard backs off. */
  error?: unknown;
}

interface ShardState {
  shard: OutboxShard;
  consecutiveFailures: number;
  kicked: boolean;
  wake?: () => void;
  loop?: Promise<void>;
}

/**
 * Rows are claimed with FOR UPDATE SKIP LOCKED, so relays on several instances share the work without
 * publishing a row twice; each claimed row also learns how many older rows of its key are still pending,
 * so a relay never publishes an event while an older event of the same key is in another relay's hands.
 */
const CLAIM_SQL = `
WITH claimed AS (
  SELECT id, seq, key, payload
  FROM outbox_events
  WHERE published_at IS NULL
  ORDER BY seq
  LIMIT $1
  FOR UPDATE SKIP LOCKED
)
SELECT c.id::text AS id, c.key, c.payload,
  (SELECT count(*) FROM outbox_events o WHERE o.key = c.key AND o.published_at IS NULL AND o.seq < c.seq)::int AS pending_before
FROM claimed c
ORDER BY c.seq`;

const BACKLOG_SQL = `
SELECT count(*)::int AS unpublished,
  COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest_age_seconds
FROM outbox_events
WHERE published_at IS NULL`;

function idList(ids: readonly string[], offset: number): string {
  return ids.map((_, index) => `$${index + offset}::uuid`).join(", ");
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const logger = options.logger.child({ component: "outbox-relay" });
  const registry = options.registry ?? eventRegistry;
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const transactionTimeoutMs = options.transactionTimeoutMs ?? 60_000;
  const states: ShardState[] = options.shards.map((shard) => ({ shard, consecutiveFailures: 0, kicked: false }));
  let running = false;

  /** Claims, publishes and marks one batch in one transaction. */
  async function relayBatch(state: ShardState): Promise<BatchOutcome> {
    const { shard } = state;
    return shard.db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRawUnsafe<ClaimedRow[]>(CLAIM_SQL, batchSize);
        const ready: { id: string; event: EventEnvelope }[] = [];
        const invalid: { id: string; error: string }[] = [];
        // Rows of a key this batch takes care of (published or parked), to check it holds every older pending one.
        const handledPerKey = new Map<string, number>();
        for (const row of rows) {
          const handled = handledPerKey.get(row.key) ?? 0;
          // An older row of this key is claimed by another relay and not yet marked: publishing now would reorder.
          if (row.pending_before !== handled) continue;
          handledPerKey.set(row.key, handled + 1);
          try {
            const payload = typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload;
            ready.push({ id: row.id, event: parseEventWithDefinition(payload, registry).event });
          } catch (error) {
            invalid.push({ id: row.id, error: `invalid event: ${errorMessage(error)}` });
          }
        }
        for (const row of invalid) {
          // Parked like a consumer's dead letter: it can never be published, and holding it would stall its key for ever.
          await tx.$executeRawUnsafe(
            "UPDATE outbox_events SET published_at = now(), attempts = attempts + 1, last_error = $1 WHERE id = $2::uuid",
            row.error.slice(0, 2_000),
            row.id,
          );
          logger.error(
            { shard: shard.name, outboxId: row.id, error: row.error },
            "outbox row is not a valid event; parked unpublished",
          );
        }
        if (invalid.length > 0) options.metrics?.invalid?.(shard.name, invalid.length);
        if (ready.length === 0) return { claimed: rows.length, published: 0, failed: 0, invalid: invalid.length };

        const ids = ready.map((row) => row.id);
        try {
          await options.bus.publish(ready.map((row) => row.event));
        } catch (error) {
          // Returned, not thrown: throwing would roll back the attempts/last_error bookkeeping.
          await recordFailure(tx, ids, errorMessage(error));
          return { claimed: rows.length, published: 0, failed: ready.length, invalid: invalid.length, error };
        }
        await tx.$executeRawUnsafe(
          `UPDATE outbox_events SET published_at = now(), attempts = attempts + 1, last_error = NULL WHERE id IN (${idList(ids, 1)})`,
          ...ids,
        );
        return { claimed: rows.length, published: ready.length, failed: 0, invalid: invalid.length };
      },
      { timeout: transactionTimeoutMs, maxWait: 10_000 },
    );
  }

  async function recordFailure(tx: SqlExecutor, ids: readonly string[], error: string): Promise<void> {
    await tx.$executeRawUnsafe(
      `UPDATE outbox_events SET attempts = attempts + 1, last_error = $1 WHERE id IN (${idList(ids, 2)})`,
      error.slice(0, 2_000),
      ...ids,
    );
  }

  /** Relays full batches until the shard has nothing publishable left or a batch fails. */
  async function drainShard(state: ShardState): Promise<DrainResult> {
    const total: DrainResult = { published: 0, failed: 0, invalid: 0 };
    for (;;) {
      let batch: BatchOutcome;
      try {
        batch = await relayBatch(state);
      } catch (error) {
        batch = { claimed: 0, published: 0, failed: 0, invalid: 0, error };
      }
      total.published += batch.published;
      total.failed += batch.failed;
      total.invalid += batch.invalid;
      if (batch.published > 0) options.metrics?.published?.(state.shard.name, batch.published);
      if (batch.error !== undefined) {
        state.consecutiveFailures++;
        options.metrics?.failed?.(state.shard.name, batch.error);
        logger.warn(
          { err: batch.error, shard: state.shard.name, consecutiveFailures: state.consecutiveFailures },
          "outbox relay batch failed; backing off",
        );
        return total;
      }
      state.consecutiveFailures = 0;
      // A short batch means the queue is empty (or the rest is held by other relays): let the loop wait.
      if (batch.claimed < batchSize || batch.published === 0) return total;
    }
  }

  async function shardLoop(state: ShardState): Promise<void> {
    while (running) {
      state.kicked = false;
      await drainShard(state);
      if (!running) return;
      const failing = state.consecutiveFailures > 0;
      // A kick that arrived while draining means new rows were committed meanwhile: go again at once.
      if (state.kicked && !failing) continue;
      const delay = failing ? backoffDelay(state.consecutiveFailures, pollIntervalMs, maxBackoffMs) : pollIntervalMs;
      const wakeUp = new AbortController();
      state.wake = () => wakeUp.abort();
      await sleep(delay, wakeUp.signal);
      state.wake = undefined;
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      for (const state of states) {
        state.loop = shardLoop(state).catch((error: unknown) => {
          logger.error({ err: error, shard: state.shard.name }, "outbox relay loop crashed");
        });
      }
      logger.info({ shards: states.map((state) => state.shard.name) }, "outbox relay started");
    },

    async stop() {
      running = false;
      for (const state of states) state.wake?.();
      await Promise.all(states.map((state) => state.loop));
    },

    kick() {
      for (const state of states) {
        state.kicked = true;
        // Kicks do not cut a failure backoff short: every commit would otherwise hammer a broker that is down.
        if (state.consecutiveFailures === 0) state.wake?.();
      }
    },

    async drainOnce() {
      const results = await Promise.all(states.map((state) => drainShard(state)));
      return results.reduce(
        (sum, result) => ({
          published: sum.published + result.published,
          failed: sum.failed + result.failed,
          invalid: sum.invalid + result.invalid,
        }),
        { published: 0, failed: 0, invalid: 0 },
      );
    },

    async backlog() {
      const results = await Promise.allSettled(
        states.map(async ({ shard }) => {
          const [row] = await shard.db.$queryRawUnsafe<{ unpublished: number; oldest_age_seconds: number }[]>(BACKLOG_SQL);
          return { shard: shard.name, unpublished: row?.unpublished ?? 0, oldestAgeSeconds: row?.oldest_age_seconds ?? 0 };
        }),
      );
      const backlog: ShardBacklog[] = [];
      results.forEach((result, index) => {
        if (result.status === "fulfilled") backlog.push(result.value);
        else logger.warn({ err: result.reason, shard: states[index]!.shard.name }, "outbox backlog query failed");
      });
      return backlog;
    },
  };
}
