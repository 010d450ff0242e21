import type { Logger } from "@plaza/kit";
import type { Viewer } from "../context.ts";
import { authenticate, type AuthResult, type TokenLifetimePolicy } from "./authenticate.ts";
import { revocationMatches, type Revocation, type SessionChecker } from "./sessions.ts";
import type { VerifiedTokens } from "./verified-tokens.ts";

export interface AuthenticatorOptions {
  jwtSecret: string;
  lifetime: TokenLifetimePolicy;
  /** Shared with the fast paths: they serve only headers remembered here. */
  verifiedTokens: VerifiedTokens;
  /** Absent: signature and lifetime only (a supergraph without a session subgraph). */
  sessions?: { checker: SessionChecker; checkTtlMs: number };
  logger: Logger;
  onCheck?: (outcome: "active" | "revoked" | "error" | "stale") => void;
  /** Revoked tokens remembered as such (default 10,000; oldest dropped first). */
  maxRevokedEntries?: number;
}

export interface Authenticator {
  authenticate(authorization: string | null | undefined): Promise<AuthResult>;
  /** Applies a revocation event: matching tokens are checked again before their next use. */
  revoke(revocation: Revocation): void;
  /** Drops the user's remembered verdicts (no listeners told): their tokens are checked again on next use. */
  recheckUser(userId: string): void;
  /** Observes revocations (graphql-ws closes the matching connections). */
  onRevoked(listener: (matches: (viewer: Viewer) => boolean, revocation: Revocation) => void): () => void;
}

/**
 * Signature, lifetime cap and session check, once per token per check TTL: a token's verdict is remembered in
 * `verifiedTokens` (bounded), concurrent first requests with one token share one check, and revocation events
 * evict verdicts at once. When the session subgraph cannot answer, a token checked before keeps being served
 * (a users outage must not sign everybody out) and a token never seen is refused with 503, not 401.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { verifiedTokens, sessions, logger } = options;
  const inFlight = new Map<string, Promise<AuthResult>>();
  // A revocation is for good (a session never comes back, versions only go up), so a refused token is remembered
  // until it expires: a client replaying a signed-out token costs no session check per request.
  const refused = new Map<string, number>();
  const maxRefused = options.maxRevokedEntries ?? 10_000;
  const REVOKED: AuthResult = { kind: "rejected", reason: "revoked", message: "Access token revoked" };
  const listeners = new Set<(matches: (viewer: Viewer) => boolean, revocation: Revocation) => void>();
  // Moves on every revocation: a check that started before one is answered but not remembered.
  let revocations = 0;

  async function check(authorization: string): Promise<AuthResult> {
    // Read before anything is awaited: a revocation during any part of the check voids its verdict.
    const epoch = revocations;
    const result = await authenticate(options.jwtSecret, authorization, options.lifetime);
    if (result.kind !== "viewer") return result;
    if (!sessions) {
      if (epoch === revocations) verifiedTokens.remember(authorization, result.viewer);
      return result;
    }
    let active: boolean;
    try {
      active = await sessions.checker.check(result.viewer);
    } catch (err) {
      const stale = verifiedTokens.stale(authorization);
      if (stale && epoch === revocations) {
        options.onCheck?.("stale");
        logger.warn({ err }, "session check failed; serving a token checked before");
        verifiedTokens.remember(authorization, stale);
        return { kind: "viewer", viewer: stale };
      }
      options.onCheck?.("error");
      logger.warn({ err }, "session check failed");
      return { kind: "unavailable", message: "Cannot verify the session right now; try again" };
    }
    if (!active) {
      options.onCheck?.("revoked");
      verifiedTokens.forget(authorization);
      if (refused.size >= maxRefused) refused.delete(refused.keys().next().value!);
      refused.set(authorization, result.viewer.tokenExp * 1000);
      return REVOKED;
    }
    options.onCheck?.("active");
    if (epoch === revocations) verifiedTokens.remember(authorization, result.viewer);
    return result;
  }

  return {
    async authenticate(authorization) {
      if (authorization === null || authorization === undefined) return { kind: "anonymous" };
      const known = verifiedTokens.get(authorization);
      if (known) return { kind: "viewer", viewer: known };
      const refusedUntil = refused.get(authorization);
      if (refusedUntil !== undefined) {
        if (refusedUntil > Date.now()) return REVOKED;
        refused.delete(authorization);
      }
      let pending = inFlight.get(authorization);
      if (!pending) {
        const started: Promise<AuthResult> = check(authorization).finally(() => {
          // A revocation may have replaced it with a newer check meanwhile.
          if (inFlight.get(authorization) === started) inFlight.delete(authorization);
        });
        pending = started;
        inFlight.set(authorization, pending);
      }
      return pending;
    },
    revoke(revocation) {
      revocations += 1;
      // Requests arriving from now on must not join a check that may have read the database before the revocation.
      inFlight.clear();
      const matches = (viewer: Viewer) => revocationMatches(revocation, viewer);
      verifiedTokens.revoke(matches);
      for (const listener of listeners) {
        try {
          listener(matches, revocation);
        } catch (err) {
          logger.warn({ err }, "revocation listener failed");
        }
      }
    },
    recheckUser(userId) {
      revocations += 1;
      inFlight.clear();
      verifiedTokens.revoke((viewer) => viewer.id === userId);
    },
    onRevoked(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
