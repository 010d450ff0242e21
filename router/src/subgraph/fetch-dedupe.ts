export interface FetchDeduper {
  /**
   * Runs `fetch` unless an identical one (same key) is in flight and no invalidation happened since it started;
   * then waits for that one. Every caller gets its own copy of the result: the gateway merges subgraph responses
   * into its result tree in place, so one object must never be shared.
   */
  run<T>(key: string, fetch: () => Promise<T>): Promise<T>;
  readonly inFlight: number;
}

export interface FetchDeduperOptions {
  /**
   * A counter that moves on every cache invalidation. A fetch that started before the latest invalidation may
   * carry data the invalidation made old, so later callers do not join it (they fetch afresh).
   */
  epoch?: () => number;
  /** Called for every caller that joined a fetch in flight (metrics). */
  onJoin?: () => void;
}

interface InFlight {
  epoch: number;
  joined: number;
  result: Promise<{ value: unknown; snapshot?: string }>;
}

export function createFetchDeduper(options: FetchDeduperOptions = {}): FetchDeduper {
  const epoch = options.epoch ?? (() => 0);
  const inFlight = new Map<string, InFlight>();
  return {
    get inFlight() {
      return inFlight.size;
    },
    run<T>(key: string, fetch: () => Promise<T>): Promise<T> {
      const current = inFlight.get(key);
      if (current && current.epoch === epoch()) {
        current.joined++;
        options.onJoin?.();
        // The snapshot was taken before the first caller's code ran, so it is the response as received.
        return current.result.then(({ snapshot }) => JSON.parse(snapshot!) as T);
      }
      const entry: InFlight = { epoch: epoch(), joined: 0, result: undefined as never };
      entry.result = fetch().then(
        (value) => {
          if (inFlight.get(key) === entry) inFlight.delete(key);
          return { value, snapshot: entry.joined > 0 ? JSON.stringify(value) : undefined };
        },
        (err: unknown) => {
          if (inFlight.get(key) === entry) inFlight.delete(key);
          throw err;
        },
      );
      inFlight.set(key, entry);
      return entry.result.then(({ value }) => value as T);
    },
  };
}
