import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Identity the router vouches for, carried to subgraphs in one signed header.
 * Format: `v1.<issuedAtSeconds>.<base64url(json)>.<base64url(hmac-sha256)>`. Subgraphs trust identity only from
 * this header and reject requests without a valid one, so a client calling a subgraph directly gets nothing.
 */
export const INTERNAL_AUTH_HEADER = "x-plaza-internal-auth";
export const REQUEST_ID_HEADER = "x-request-id";

export interface InternalIdentity {
  /** Authenticated user id, or null for anonymous requests the router forwards. */
  viewerId: string | null;
  /** Expiry of the viewer's own token (epoch seconds), so long-lived subscriptions can end with it. */
  tokenExp?: number;
}

const VERSION = "v1";

function mac(key: string, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

export function signInternalIdentity(
  key: string,
  identity: InternalIdentity,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  const body = Buffer.from(JSON.stringify(identity)).toString("base64url");
  const signed = `${VERSION}.${nowSeconds}.${body}`;
  return `${signed}.${mac(key, signed).toString("base64url")}`;
}

export type VerifyResult = { ok: true; identity: InternalIdentity } | { ok: false; reason: string };

/** maxAgeSeconds bounds replay of a captured header; the router re-signs well within it. */
export function verifyInternalIdentity(
  key: string,
  header: string | null | undefined,
  opts: { maxAgeSeconds?: number; nowSeconds?: number } = {},
): VerifyResult {
  if (!header) return { ok: false, reason: "missing internal signature" };
  const parts = header.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION) return { ok: false, reason: "malformed internal signature" };
  const [version, issuedAt, body, signature] = parts as [string, string, string, string];
  const expected = mac(key, `${version}.${issuedAt}.${body}`);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "bad internal signature" };
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const age = now - Number(issuedAt);
  const maxAge = opts.maxAgeSeconds ?? 300;
  if (!Number.isFinite(age) || age > maxAge || age < -60) return { ok: false, reason: "expired internal signature" };
  try {
    const parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as InternalIdentity;
    if (parsed.viewerId !== null && typeof parsed.viewerId !== "string") return { ok: false, reason: "malformed identity" };
    return { ok: true, identity: parsed };
  } catch {
    return { ok: false, reason: "malformed identity" };
  }
}

/**
 * Signing on every subgraph fetch would cost an HMAC per call; identities are re-signed once per second instead.
 */
export function createInternalSigner(key: string) {
  const cache = new Map<string, { at: number; header: string }>();
  return (identity: InternalIdentity): string => {
    const now = Math.floor(Date.now() / 1000);
    const cacheKey = `${identity.viewerId ?? ""}|${identity.tokenExp ?? ""}`;
    const hit = cache.get(cacheKey);
    if (hit && hit.at === now) return hit.header;
    if (cache.size > 10_000) cache.clear();
    const header = signInternalIdentity(key, identity, now);
    cache.set(cacheKey, { at: now, header });
    return header;
  };
}

/**
 * verifyInternalIdentity with memory: the router re-signs an identity once per second, so a subgraph sees the same
 * header many times; a header that verified is remembered (bounded) and only its age is checked again.
 */
export function createInternalVerifier(key: string, opts: { maxAgeSeconds?: number; maxEntries?: number } = {}) {
  const maxAge = opts.maxAgeSeconds ?? 300;
  const maxEntries = opts.maxEntries ?? 10_000;
  const verified = new Map<string, { issuedAt: number; identity: InternalIdentity }>();
  return (header: string | null | undefined): VerifyResult => {
    const now = Math.floor(Date.now() / 1000);
    const hit = header ? verified.get(header) : undefined;
    if (hit) {
      if (now - hit.issuedAt <= maxAge) return { ok: true, identity: hit.identity };
      verified.delete(header!);
    }
    const result = verifyInternalIdentity(key, header, { maxAgeSeconds: maxAge, nowSeconds: now });
    if (result.ok) {
      if (verified.size >= maxEntries) verified.delete(verified.keys().next().value!);
      verified.set(header!, { issuedAt: Number(header!.split(".")[1]), identity: result.identity });
    }
    return result;
  };
}
