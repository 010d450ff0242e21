import { envelopeSchema, type EventEnvelope } from "./envelope.ts";
import { describeIssues, InvalidEventError, issuesFromZod } from "./errors.ts";
import { eventRegistry, type AnyEventDefinition, type EventRegistry } from "./registry.ts";

export interface ParsedEvent {
  event: EventEnvelope;
  definition: AnyEventDefinition;
}

/**
 * Validates `raw` (a JSON string, Buffer or already-decoded object) as an envelope of a registered
 * event type/version and returns it with its payload parsed by that version's schema.
 * Throws `InvalidEventError` whose `reason` says what was wrong.
 */
export function parseEvent(raw: unknown, registry: EventRegistry = eventRegistry): EventEnvelope {
  return parseEventWithDefinition(raw, registry).event;
}

export function parseEventWithDefinition(raw: unknown, registry: EventRegistry = eventRegistry): ParsedEvent {
  let value = raw;
  if (typeof raw === "string" || Buffer.isBuffer(raw)) {
    try {
      value = JSON.parse(raw.toString());
    } catch (error) {
      throw new InvalidEventError("invalid-json", `Event is not valid JSON: ${(error as Error).message}`);
    }
  }

  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) {
    const issues = issuesFromZod(envelope.error);
    throw new InvalidEventError("invalid-envelope", `Not an event envelope: ${describeIssues(issues)}`, issues);
  }
  const { type, version } = envelope.data;

  const definition = registry.get(type, version);
  if (!definition) {
    throw new InvalidEventError("unknown-event", `Unknown event ${type} v${version}`, [], type, version);
  }

  const payload = definition.payload.safeParse(envelope.data.payload);
  if (!payload.success) {
    const issues = issuesFromZod(payload.error);
    throw new InvalidEventError(
      "invalid-payload",
      `Invalid ${type} v${version} payload: ${describeIssues(issues)}`,
      issues,
      type,
      version,
    );
  }
  return { event: { ...envelope.data, payload: payload.data }, definition };
}
