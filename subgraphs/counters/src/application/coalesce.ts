export interface CoalesceOptions<T> {
  /** Starts the feed; resolves once it is live, with a function that ends it. */
  subscribe: (push: (value: T) => void) => Promise<() => Promise<void>>;
  /** At least this long between two values handed out (1000 / COUNTER_UPDATES_PER_SECOND). */
  minIntervalMs: number;
  /** Called for each value replaced by a newer one before it was handed out. */
  onCoalesced?: () => void;
  now?: () => number;
}

/**
 * An async iterator over a push feed that hands out at most one value per `minIntervalMs`, always the newest:
 * values arriving faster replace the one waiting, and the last value of a burst is delivered once the interval
 * has passed. Memory per subscriber is one value whatever the rate. `return()` ends the feed at once.
 */
export async function coalesce<T>(options: CoalesceOptions<T>): Promise<AsyncIterableIterator<T>> {
  const now = options.now ?? (() => performance.now());
  let latest: { value: T } | undefined;
  let lastHandedOut = Number.NEGATIVE_INFINITY;
  let waiter: ((result: IteratorResult<T>) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let done = false;

  function pump(): void {
    if (!waiter || !latest) return;
    const wait = lastHandedOut + options.minIntervalMs - now();
    if (wait > 0) {
      timer ??= setTimeout(() => {
        timer = undefined;
        pump();
      }, wait);
      return;
    }
    const resolve = waiter;
    const { value } = latest;
    waiter = undefined;
    latest = undefined;
    lastHandedOut = now();
    resolve({ value, done: false });
  }

  const unsubscribe = await options.subscribe((value) => {
    if (done) return;
    if (latest) options.onCoalesced?.();
    latest = { value };
    pump();
  });

  const finish = async (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      clearTimeout(timer);
      timer = undefined;
      latest = undefined;
      waiter?.({ value: undefined, done: true });
      waiter = undefined;
      await unsubscribe();
    }
    return { value: undefined, done: true };
  };

  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise<IteratorResult<T>>((resolve) => {
        waiter = resolve;
        pump();
      });
    },
    return: finish,
    async throw(error?: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
