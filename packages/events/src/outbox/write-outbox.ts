import type { EventEnvelope } from "../envelope.ts";
import { parseEventWithDefinition, type ParsedEvent } from "../parse-event.ts";
import { eventRegistry, type EventRegistry } from "../registry.ts";
import type { SqlExecutor } from "./sql-client.ts";

/**
 * The events a use case announces for a change, handed with the change to the repository that stores it (its
 * outbox port). The repository calls it inside the change's transaction, only once the change happened, with what
 * the transaction produced (`outcome`), and writes what it returns to the outbox in that same transaction.
 */
export type OutboxEvents<T = void> = (outcome: T) => readonly EventEnvelope[];

/** Postgres allows 65,535 bind parameters per statement; 6 per row. */
const ROWS_PER_INSERT = 1_000;

/**
 * Appends events to `outbox_events` inside the caller's transaction (`tx` is e.g. the client Prisma's
 * `$transaction(async (tx) => …)` hands in), so they are published if and only if the transaction commits.
 * Events are validated first; rows keep the given order. Call the relay's `kick()` after the commit.
 */
export async function writeOutbox(
  tx: Pick<SqlExecutor, "$executeRawUnsafe">,
  events: readonly EventEnvelope[],
  registry: EventRegistry = eventRegistry,
): Promise<void> {
  // Validate everything before writing anything.
  const parsed = events.map((raw) => parseEventWithDefinition(raw, registry));
  for (let start = 0; start < parsed.length; start += ROWS_PER_INSERT) {
    await insertRows(tx, parsed.slice(start, start + ROWS_PER_INSERT));
  }
}

async function insertRows(tx: Pick<SqlExecutor, "$executeRawUnsafe">, parsed: readonly ParsedEvent[]): Promise<void> {
  const values: unknown[] = [];
  const rows: string[] = [];
  for (const { event, definition } of parsed) {
    const n = values.length;
    rows.push(`($${n + 1}::uuid, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}::int, $${n + 6}::jsonb)`);
    values.push(event.id, definition.topic, event.aggregateId, event.type, event.version, JSON.stringify(event));
  }
  // One multi-row INSERT: a single round trip, and seq values follow the array order.
  await tx.$executeRawUnsafe(
    `INSERT INTO outbox_events (id, topic, key, type, version, payload) VALUES ${rows.join(", ")}`,
    ...values,
  );
}
