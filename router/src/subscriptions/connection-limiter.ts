/**
 * Counts the subscription connections (graphql-ws connections and SSE streams) each authenticated user holds.
 * Anonymous clients are not counted per user: they have no identity to count against.
 */
export interface ConnectionLimiter {
  /** False when the user already holds the maximum; otherwise the slot is taken until `release`. */
  tryAcquire(userId: string): boolean;
  release(userId: string): void;
  held(userId: string): number;
}

export function createConnectionLimiter(maxPerUser: number): ConnectionLimiter {
  const held = new Map<string, number>();
  return {
    tryAcquire(userId) {
      const count = held.get(userId) ?? 0;
      if (count >= maxPerUser) return false;
      held.set(userId, count + 1);
      return true;
    },
    release(userId) {
      const count = held.get(userId) ?? 0;
      if (count <= 1) held.delete(userId);
      else held.set(userId, count - 1);
    },
    held: (userId) => held.get(userId) ?? 0,
  };
}
