/** Events a slow subscriber may have waiting before the oldest are dropped. */
const MAX_BUFFERED = 256;

/**
 * The async iterator a GraphQL subscription returns, fed by `push`: bounded (a subscriber that stops reading loses the
 * oldest events, never the process's memory), ended by `end()`, by the client leaving (`return()`) or when the viewer's
 * token expires (`expiresAt`, epoch seconds). `onEnd` runs once, whichever comes first.
 */
export function pushIterator<T>(onEnd: () => void, expiresAt?: number) {
  const buffered: T[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    clearTimeout(expiry);
    onEnd();
    wake?.();
  };
  const expiry = expiresAt ? setTimeout(end, Math.max(0, expiresAt * 1000 - Date.now())) : undefined;
  expiry?.unref();
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      while (!done && buffered.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (buffered.length === 0) return { value: undefined, done: true };
      return { value: buffered.shift()!, done: false };
    },
    async return() {
      end();
      buffered.length = 0;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return {
    iterator,
    push(value: T) {
      if (done) return;
      if (buffered.length >= MAX_BUFFERED) buffered.shift();
      buffered.push(value);
      wake?.();
    },
    end,
  };
}
