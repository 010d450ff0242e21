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
export interface LazyLoader<K, V> {
  load(key: K): Promise<V>;
  loadMany(keys: ArrayLike<K>): Promise<Array<V | Error>>;
  clear(key: K): LazyLoader<K, V>;
  prime(key: K, value: V): LazyLoader<K, V>;
}

/**
 * A DataLoader built on its first load. A getter would not do: envelop copies the context's properties with
 * Object.assign, which calls every getter, so each request would build every loader. `clear` and `prime` on a
 * loader not built yet do nothing: it caches nothing to clear, and an unprimed key is read from the store, whose
 * value is at least as new (a mutation's own answer never comes from the loader). A class, not closures: two are
 * made per request, and the dev loader (tsx) names every closure it creates.
 */
class DeferredLoader<K, V> implements LazyLoader<K, V> {
  private loader: DataLoader<K, V> | undefined;
  constructor(private readonly make: () => DataLoader<K, V>) {}
  private get built(): DataLoader<K, V> {
    return (this.loader ??= this.make());
  }
  load(key: K) {
    return this.built.load(key);
  }
  loadMany(keys: ArrayLike<K>) {
    return this.built.loadMany(keys);
  }
  clear(key: K) {
    this.loader?.clear(key);
    return this;
  }
  prime(key: K, value: V) {
    this.loader?.prime(key, value);
    return this;
  }
}

export const lazyLoader = <K, V>(make: () => DataLoader<K, V>): LazyLoader<K, V> => new DeferredLoader(make);

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
