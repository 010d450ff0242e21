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

export interface CountersContext extends BaseContext {
  services: CountersServices;
  /** Per request: every counter read of one request is one hot-store round trip. */
  counterLoader: DataLoader<string, number>;
  /** Per request: one `_entities` batch of posts is one hot-store round trip. */
  postLoader: DataLoader<string, { likeCount: number; viewCount: number; viewerHasLiked: boolean }>;
}

export function createCountersContext(services: CountersServices) {
  return (base: BaseContext): CountersContext => {
    // Created on first use: most operations need one loader or none.
    let counterLoader: CountersContext["counterLoader"] | undefined;
    let postLoader: CountersContext["postLoader"] | undefined;
    return {
      ...base,
      services,
      get counterLoader() {
        return (counterLoader ??= new DataLoader(
          (ids: readonly string[]) => services.counters.read(ids.map(parseCounterKeyString)),
          {
            maxBatchSize: services.batchLimit,
          },
        ));
      },
      get postLoader() {
        return (postLoader ??= new DataLoader((ids: readonly string[]) => services.counters.readPosts(ids, base.viewerId), {
          maxBatchSize: services.batchLimit,
        }));
      },
    };
  };
}
