import type { Viewer } from "../context.ts";

/**
 * Authorization header values the GraphQL path verified, with their viewer, so the fast path can serve a cached
 * response without verifying the JWT again. Only exact header strings that verified are remembered, and only until
 * the token expires; anything unknown takes the normal path (which rejects bad tokens with 401).
 */
export interface VerifiedTokens {
  remember(authorization: string, viewer: Viewer): void;
  get(authorization: string): Viewer | undefined;
}

export function createVerifiedTokens(maxEntries = 10_000, now: () => number = Date.now): VerifiedTokens {
  const viewers = new Map<string, Viewer>();
  return {
    remember(authorization, viewer) {
      if (viewers.has(authorization)) return;
      if (viewers.size >= maxEntries) viewers.delete(viewers.keys().next().value!);
      viewers.set(authorization, viewer);
    },
    get(authorization) {
      const viewer = viewers.get(authorization);
      if (!viewer) return undefined;
      if (viewer.tokenExp * 1000 <= now()) {
        viewers.delete(authorization);
        return undefined;
      }
      return viewer;
    },
  };
}
