import type { Viewer } from "../context.ts";

/**
 * Authorization header values the GraphQL path verified, with their viewer, so the fast path can serve a cached
 * response without verifying the JWT again. Only exact header strings that verified are remembered, and only until
 * the token expires — and, when sessions are checked, only for `maxAgeMs` after their last check, so a token is
 * checked again at most that often however many requests it makes. Anything unknown or due takes the normal path
 * (which rejects bad tokens with 401 and checks sessions again).
 */
export interface VerifiedTokens {
  /** Remembers a verified header; an entry still fresh is kept as it is (its check time does not move). */
  remember(authorization: string, viewer: Viewer): void;
  /** The viewer of a header verified and checked recently enough. */
  get(authorization: string): Viewer | undefined;
  /** The viewer of a header verified before, however long ago it was checked (while its token lives). */
  stale(authorization: string): Viewer | undefined;
  forget(authorization: string): void;
  /** Forgets every header whose viewer matches (revocation events); returns how many. */
  revoke(matches: (viewer: Viewer) => boolean): number;
  /** How long after its check an entry stops being served (Infinity: until the token expires). */
  setMaxAge(maxAgeMs: number): void;
}

interface Entry {
  viewer: Viewer;
  checkedAt: number;
}

export function createVerifiedTokens(maxEntries = 10_000, now: () => number = Date.now): VerifiedTokens {
  const entries = new Map<string, Entry>();
  let maxAgeMs = Number.POSITIVE_INFINITY;
  const live = (authorization: string): Entry | undefined => {
    const entry = entries.get(authorization);
    if (!entry) return undefined;
    if (entry.viewer.tokenExp * 1000 <= now()) {
      entries.delete(authorization);
      return undefined;
    }
    return entry;
  };
  return {
    remember(authorization, viewer) {
      const entry = live(authorization);
      if (entry && now() - entry.checkedAt < maxAgeMs) return;
      entries.delete(authorization);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(authorization, { viewer, checkedAt: now() });
    },
    get(authorization) {
      const entry = live(authorization);
      return entry && now() - entry.checkedAt < maxAgeMs ? entry.viewer : undefined;
    },
    stale: (authorization) => live(authorization)?.viewer,
    forget(authorization) {
      entries.delete(authorization);
    },
    revoke(matches) {
      let count = 0;
      for (const [authorization, entry] of entries) {
        if (matches(entry.viewer)) {
          entries.delete(authorization);
          count += 1;
        }
      }
      return count;
    },
    setMaxAge(ms) {
      maxAgeMs = ms;
    },
  };
}
