import type { z } from "zod";
import type { EventEnvelope } from "./envelope.ts";

/** One event type at one schema version, bound to the topic it is published on. */
export interface EventDefinition<TType extends string = string, TVersion extends number = number, TPayload = unknown> {
  readonly type: TType;
  readonly version: TVersion;
  readonly topic: string;
  readonly payload: z.ZodType<TPayload>;
}

export type AnyEventDefinition = EventDefinition<string, number, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type PayloadOf<D> = D extends EventDefinition<string, number, infer P> ? P : never;

/** The envelope type produced by a definition (distributes over unions of definitions). */
export type EventOf<D> = D extends EventDefinition<infer T, infer V, infer P> ? EventEnvelope<T, P> & { version: V } : never;

function keyOf(type: string, version: number): string {
  return `${type}@${version}`;
}

/** All known event definitions, looked up by (type, version) when events are parsed. */
export class EventRegistry {
  readonly #definitions = new Map<string, AnyEventDefinition>();

  register<D extends AnyEventDefinition>(definition: D): D {
    const key = keyOf(definition.type, definition.version);
    if (this.#definitions.has(key)) {
      // Two schemas for one type/version would make parsing depend on import order.
      throw new Error(`Event ${definition.type} v${definition.version} is already defined`);
    }
    this.#definitions.set(key, definition);
    return definition;
  }

  get(type: string, version: number): AnyEventDefinition | undefined {
    return this.#definitions.get(keyOf(type, version));
  }

  definitions(): AnyEventDefinition[] {
    return [...this.#definitions.values()];
  }

  /** Topics that carry at least one registered event type. */
  topics(): string[] {
    return [...new Set(this.definitions().map((definition) => definition.topic))];
  }
}

/** The process-wide registry the schema modules register into. */
export const eventRegistry = new EventRegistry();

/**
 * Declares an event type/version and registers it. Adding an event is one call in `src/schemas/<domain>.ts`:
 * `export const PostCreated = defineEvent("PostCreated", 1, Topics.posts, z.object({ … }))`.
 */
export function defineEvent<const TType extends string, const TVersion extends number, TSchema extends z.ZodType>(
  type: TType,
  version: TVersion,
  topic: string,
  payload: TSchema,
  registry: EventRegistry = eventRegistry,
): EventDefinition<TType, TVersion, z.output<TSchema>> {
  if (!Number.isInteger(version) || version < 1) throw new Error(`Event ${type}: version must be a positive integer`);
  const definition: EventDefinition<TType, TVersion, z.output<TSchema>> = Object.freeze({
    type,
    version,
    topic,
    payload: payload as z.ZodType<z.output<TSchema>>,
  });
  return registry.register(definition);
}

export function isEvent<D extends AnyEventDefinition>(definition: D, event: EventEnvelope): event is EventOf<D> {
  return event.type === definition.type && event.version === definition.version;
}
