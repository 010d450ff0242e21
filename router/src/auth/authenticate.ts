import { verifyAccessToken } from "@plaza/kit";
import type { Viewer } from "../context.ts";

export type AuthResult =
  | { kind: "anonymous" }
  | { kind: "viewer"; viewer: Viewer }
  /** A credential was presented and is unusable: never downgrade this to anonymous. */
  | { kind: "rejected"; reason: "expired" | "invalid" | "revoked"; message: string }
  /** The credential could not be checked (its session's subgraph is unreachable): neither anonymous nor refused. */
  | { kind: "unavailable"; message: string };

/** What the router accepts of a token's lifetime, whatever the signer claims. */
export interface TokenLifetimePolicy {
  /** `exp - iat` may not exceed this (JWT_MAX_TTL_SECONDS). */
  maxTtlSeconds: number;
  /** How far in the future `iat` may be (clock skew between users and the router). */
  maxSkewSeconds?: number;
}

export const DEFAULT_TOKEN_MAX_SKEW_SECONDS = 60;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * `Authorization` header (HTTP) or `authorization` connection_init field (graphql-ws) → viewer.
 * Absent means anonymous; anything present that is not a valid Bearer access token is rejected. With a lifetime
 * policy, a token without `iat`, issued in the future or living longer than the cap is rejected too: a leaked
 * signing key or a misconfigured signer cannot mint tokens that outlive the cap.
 */
export async function authenticate(
  jwtSecret: string,
  authorization: string | null | undefined,
  lifetime?: TokenLifetimePolicy,
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
): Promise<AuthResult> {
  if (authorization === null || authorization === undefined) return { kind: "anonymous" };
  const match = BEARER.exec(authorization);
  if (!match?.[1]) return { kind: "rejected", reason: "invalid", message: "Authorization must be 'Bearer <access token>'" };
  const checked = await verifyAccessToken(jwtSecret, match[1]);
  if (!checked.ok) {
    return checked.reason === "expired"
      ? { kind: "rejected", reason: "expired", message: "Access token expired" }
      : { kind: "rejected", reason: "invalid", message: "Invalid access token" };
  }
  const { claims } = checked;
  if (lifetime) {
    const skew = lifetime.maxSkewSeconds ?? DEFAULT_TOKEN_MAX_SKEW_SECONDS;
    if (claims.iat === undefined || claims.iat > nowSeconds() + skew || claims.exp - claims.iat > lifetime.maxTtlSeconds) {
      return { kind: "rejected", reason: "invalid", message: "Invalid access token" };
    }
  }
  const viewer: Viewer = { id: claims.sub, tokenExp: claims.exp };
  if (claims.sid !== undefined) viewer.sid = claims.sid;
  if (claims.ver !== undefined) viewer.ver = claims.ver;
  return { kind: "viewer", viewer };
}
