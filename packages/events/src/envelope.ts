import { z } from "zod";

/** What travels on the bus: routing/identity fields around a typed, versioned payload. */
export interface EventEnvelope<TType extends string = string, TPayload = unknown> {
  /** Unique per event (uuid); consumers deduplicate on it. */
  id: string;
  type: TType;
  version: number;
  /** The entity the event is about; the Kafka key, so one aggregate's events stay in order. */
  aggregateId: string;
  /** ISO-8601 timestamp of when the fact happened. */
  occurredAt: string;
  payload: TPayload;
}

export const envelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  version: z.int().positive(),
  aggregateId: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  payload: z.unknown(),
});
