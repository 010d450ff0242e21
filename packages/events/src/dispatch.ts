import type { EventEnvelope } from "./envelope.ts";
import type { DeliveryMeta, EventHandler } from "./event-bus.port.ts";
import type { AnyEventDefinition, EventOf } from "./registry.ts";

export interface EventDispatcher {
  /** Routes events of `definition` (its type and version) to `handler`. */
  on<D extends AnyEventDefinition>(definition: D, handler: EventHandler<EventOf<D>>): EventDispatcher;
  /** Topics carrying the handled events: pass them to `subscribe`. */
  readonly topics: string[];
  /** A subscription handler; events without a registered handler are acknowledged and skipped. */
  readonly handle: EventHandler;
}

/**
 * Typed handler dispatch:
 * `createEventDispatcher().on(UserRegistered, (e) => e.payload.handle).on(Followed, …)`.
 */
export function createEventDispatcher(
  options: { onUnhandled?: (event: EventEnvelope, meta: DeliveryMeta) => void } = {},
): EventDispatcher {
  const handlers = new Map<string, EventHandler>();
  const topics = new Set<string>();

  const dispatcher: EventDispatcher = {
    on(definition, handler) {
      const key = `${definition.type}@${definition.version}`;
      if (handlers.has(key)) throw new Error(`A handler for ${definition.type} v${definition.version} is already registered`);
      handlers.set(key, handler as EventHandler);
      topics.add(definition.topic);
      return dispatcher;
    },
    get topics() {
      return [...topics];
    },
    handle: async (event, meta) => {
      const handler = handlers.get(`${event.type}@${event.version}`);
      if (handler) await handler(event, meta);
      else options.onUnhandled?.(event, meta);
    },
  };
  return dispatcher;
}
