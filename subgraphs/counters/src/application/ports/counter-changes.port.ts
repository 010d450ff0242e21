import type { CounterKey } from "../../domain/counter.ts";

export type ChangeListener = (value: number) => void;

/**
 * New counter values as the hot store applies them, from every instance of the service (Redis pub/sub; an
 * in-process emitter for the embedded default). Values of one counter arrive in the order they were applied.
 */
export interface CounterChanges {
  /** Resolves once the listener is subscribed; the returned function unsubscribes it. */
  watch(key: CounterKey, listener: ChangeListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
