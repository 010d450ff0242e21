import DataLoader from "dataloader";
import type { BaseContext } from "@plaza/kit";
import { parseCounterKeyString } from "../../domain/counter.ts";
import type { CounterService } from "../../application/counter-service.ts";
import type { CounterChanges } from "../../application/ports/counter-changes.port.ts";

export interface CountersServices {
  counters: CounterService;
  changes: CounterChanges;
  /** COUNTERS_BATCH_LIMIT */
  batchLimit: number;
  /** 1000 / COUNTER_UPDATES_PER_SECOND */
  minUpdateIntervalMs: number;
  onSubscriptionOpened(): void;
  onSubscriptionClosed(): void;
  onCoalesced(): void;
}

/** The DataLoader calls resolvers make; the loader itself is only built by the first of them. */
export type LazyLoader<K, V> = Pick<DataLoader<K, V>, "load" | "loadMany" | "clear" | "prime">;

/**
 * A DataLoader built on its first call. A getter would not do: envelop copies the context's properties with
 * Object.assign, which calls every getter, so each request would build every loader.
 */
export function lazyLoader<K, V>(make: () => DataLoader<K, V>): LazyLoader<K, V> {
  let loader: DataLoader<K, V> | undefined;
  const get = () => (loader ??= make());
  return {
    load: (key) => get().load(key),
    loadMany: (keys) => get().loadMany(keys),
    clear: (key) => get().clear(key),
    prime: (key, value) => get().prime(key, value),
  };
}

export interface CountersContext extends BaseContext {
  services: CountersServices;
  /** Per request: every counter read of one request is one hot-store round trip. */
  counterLoader: LazyLoader<string, number>;
  /** Per request: one `_entities` batch of posts is one hot-store round trip. */
  postLoader: LazyLoader<string, { likeCount: number; viewCount: number; viewerHasLiked: boolean }>;
}

export function createCountersContext(services: CountersServices) {
  return (base: BaseContext): CountersContext => ({
    ...base,
    services,
    // Built on first use: most operations need one loader or none.
    counterLoader: lazyLoader(
      () =>
        new DataLoader((ids: readonly string[]) => services.counters.read(ids.map(parseCounterKeyString)), {
          maxBatchSize: services.batchLimit,
        }),
    ),
    postLoader: lazyLoader(
      () =>
        new DataLoader((ids: readonly string[]) => services.counters.readPosts(ids, base.viewerId), {
          maxBatchSize: services.batchLimit,
        }),
    ),
  });
}
