import { verifyAccessToken } from "@plaza/kit";
import type { Viewer } from "../context.ts";

export type AuthResult =
  | { kind: "anonymous" }
  | { kind: "viewer"; viewer: Viewer }
  /** A credential was presented and is unusable: never downgrade this to anonymous. */
  | { kind: "rejected"; reason: "expired" | "invalid"; message: string };

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * `Authorization` header (HTTP) or `authorization` connection_init field (graphql-ws) → viewer.
 * Absent means anonymous; anything present that is not a valid Bearer access token is rejected.
 */
export async function authenticate(jwtSecret: string, authorization: string | null | undefined): Promise<AuthResult> {
  if (authorization === null || authorization === undefined) return { kind: "anonymous" };
  const match = BEARER.exec(authorization);
  if (!match?.[1]) return { kind: "rejected", reason: "invalid", message: "Authorization must be 'Bearer <access token>'" };
  const checked = await verifyAccessToken(jwtSecret, match[1]);
  if (!checked.ok) {
    return checked.reason === "expired"
      ? { kind: "rejected", reason: "expired", message: "Access token expired" }
      : { kind: "rejected", reason: "invalid", message: "Invalid access token" };
  }
  return { kind: "viewer", viewer: { id: checked.claims.sub, tokenExp: checked.claims.exp } };
}
