import type { InternalIdentity } from "@plaza/kit";
import { requireViewer } from "./profile.ts";
import type { SessionStore } from "./ports/session-store.port.ts";
import { sessionRevoked, tokensRevoked } from "./user-events.ts";

/**
 * Sign-out. The router vouches for the viewer's token (its session id and expiry) in the signed identity header;
 * a token without a session id (issued before sessions existed) can only be revoked with the others.
 */
export async function signOut(sessions: SessionStore, identity: InternalIdentity): Promise<boolean> {
  const userId = requireViewer(identity.viewerId);
  if (identity.sessionId === undefined || identity.tokenExp === undefined) {
    await sessions.revokeAll(userId, tokensRevoked(userId));
    return true;
  }
  const expiresAt = new Date(identity.tokenExp * 1000);
  await sessions.revokeSession(userId, identity.sessionId, expiresAt, sessionRevoked(userId, identity.sessionId, expiresAt));
  return true;
}

export async function signOutEverywhere(sessions: SessionStore, identity: InternalIdentity): Promise<boolean> {
  const userId = requireViewer(identity.viewerId);
  await sessions.revokeAll(userId, tokensRevoked(userId));
  return true;
}

/** The router's session check: is the token of the signed-in viewer with this session and version still live? */
export async function sessionActive(
  sessions: SessionStore,
  viewerId: string | null,
  sessionId: string | null,
  tokenVersion: number,
): Promise<boolean> {
  if (viewerId === null) return false;
  return (await sessions.status(viewerId, sessionId, tokenVersion)) === "active";
}
