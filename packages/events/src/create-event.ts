import { randomUUID } from "node:crypto";
import { describeIssues, InvalidEventError, issuesFromZod } from "./errors.ts";
import type { EventDefinition, EventOf } from "./registry.ts";

export interface CreateEventOptions {
  /** Defaults to a random uuid. */
  id?: string;
  /** Defaults to now. */
  occurredAt?: Date | string;
}

/** Builds a validated envelope for `definition`; throws `InvalidEventError` when the payload does not match. */
export function createEvent<D extends EventDefinition<string, number, unknown>>(
  definition: D,
  aggregateId: string,
  payload: D extends EventDefinition<string, number, infer P> ? P : never,
  options: CreateEventOptions = {},
): EventOf<D> {
  const parsed = definition.payload.safeParse(payload);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    throw new InvalidEventError(
      "invalid-payload",
      `Invalid ${definition.type} v${definition.version} payload: ${describeIssues(issues)}`,
      issues,
      definition.type,
      definition.version,
    );
  }
  if (!aggregateId) {
    throw new InvalidEventError("invalid-envelope", `${definition.type}: aggregateId is required`, [], definition.type);
  }
  const occurredAt = options.occurredAt ?? new Date();
  return {
    id: options.id ?? randomUUID(),
    type: definition.type,
    version: definition.version,
    aggregateId,
    occurredAt: typeof occurredAt === "string" ? occurredAt : occurredAt.toISOString(),
    payload: parsed.data,
  } as EventOf<D>;
}
