import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";

/**
 * Identity the router vouches for, carried to subgraphs in one signed header, bound to one use:
 *
 *   `v2.<issuedAtSeconds>.<base64url(claims json)>.<base64url(hmac-sha256)>`
 *
 * The claims name the viewer, the viewer token's expiry, the target subgraph (`aud`) and the purpose (`use`: one
 * HTTP request, or a graphql-ws connection). For an HTTP request the HMAC covers the signed part followed by the
 * exact body bytes, so a captured header is good only for the same body, to the same subgraph, within the window.
 * Subgraphs trust identity only from this header and refuse everything without a valid one.
 */
export const INTERNAL_AUTH_HEADER = "x-plaza-internal-auth";
export const REQUEST_ID_HEADER = "x-request-id";

export interface InternalIdentity {
  /** Authenticated user id, or null for anonymous requests the router forwards. */
  viewerId: string | null;
  /** Expiry of the viewer's own token (epoch seconds): subgraphs refuse the header after it; subscriptions end with it. */
  tokenExp?: number;
  /**
   * The client's address as the router determined it (kit's normalizeIp form): the socket's peer, or what the
   * router's trusted proxies reported. Absent when the router did not know it (health checks, schema loads).
   */
  clientIp?: string;
  /** The viewer token's session id (`sid`), so the users subgraph can sign out this one session. */
  sessionId?: string;
}

/** What one header is good for: one HTTP request body to one subgraph, or one graphql-ws connection to it. */
export type InternalAuthTarget = { subgraph: string } & ({ body: string | Uint8Array } | { purpose: "graphql-ws" });

type Use = "http" | "graphql-ws";

interface Claims {
  viewerId: string | null;
  tokenExp?: number;
  sid?: string;
  aud: string;
  use: Use;
  ip?: string;
}

const VERSION = "v2";
/** Default acceptance window: the router signs every fetch and every (re)connect right before sending it. */
export const DEFAULT_INTERNAL_AUTH_MAX_AGE_SECONDS = 30;
/** How far in the future (clock skew between router and subgraph) an issue time may be. */
export const INTERNAL_AUTH_MAX_SKEW_SECONDS = 5;
/** A header larger than this is not one the router wrote (it is ~150 bytes); refused before anything is decoded. */
const MAX_HEADER_LENGTH = 4096;

type Key = string | KeyObject;
const keyObject = (key: Key): KeyObject => (typeof key === "string" ? createSecretKey(Buffer.from(key, "utf8")) : key);
const useOf = (target: InternalAuthTarget): Use => ("body" in target ? "http" : "graphql-ws");

/** One pass over the body: the HMAC reads the signed part, a separator the part cannot contain, then the body. */
function mac(key: KeyObject, signedPart: string, body: string | Uint8Array | undefined): Buffer {
  const hmac = createHmac("sha256", key).update(signedPart).update("\n");
  if (body !== undefined) hmac.update(body);
  return hmac.digest();
}

export function signInternalIdentity(
  key: Key,
  identity: InternalIdentity,
  target: InternalAuthTarget,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  const claims: Claims = {
    viewerId: identity.viewerId,
    tokenExp: identity.tokenExp,
    sid: identity.sessionId,
    aud: target.subgraph,
    use: useOf(target),
    ip: identity.clientIp,
  };
  const signedPart = `${VERSION}.${nowSeconds}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${signedPart}.${mac(keyObject(key), signedPart, "body" in target ? target.body : undefined).toString("base64url")}`;
}

/** createInternalSigner(key)(identity, target): the router's signer, with the key prepared once. */
export function createInternalSigner(key: string) {
  const prepared = keyObject(key);
  return (identity: InternalIdentity, target: InternalAuthTarget): string => signInternalIdentity(prepared, identity, target);
}

export type VerifyResult = { ok: true; identity: InternalIdentity } | { ok: false; reason: string };

/** A header whose claims passed every check but the HMAC, which needs the body. */
export type CheckedHeader =
  { ok: true; identity: InternalIdentity; signedPart: string; signature: Buffer } | { ok: false; reason: string };

export interface InternalVerifierOptions {
  /** This subgraph's own name: headers signed for any other subgraph are refused. */
  subgraph: string;
  /** Acceptance window (default 30 s). */
  maxAgeSeconds?: number;
  /** Tests pass a clock. */
  nowSeconds?: () => number;
}

export interface InternalVerifier {
  /**
   * Everything that needs no body — format, version, window, skew, audience, purpose, token expiry — so a request
   * that cannot pass is refused before its body is read.
   */
  check(header: string | null | undefined, use: Use): CheckedHeader;
  /** The HMAC over the signed part and the body (none for graphql-ws). */
  verifySignature(checked: Extract<CheckedHeader, { ok: true }>, body: string | Uint8Array | undefined): VerifyResult;
  /** check + verifySignature. */
  verify(header: string | null | undefined, target: { body: string | Uint8Array } | { purpose: "graphql-ws" }): VerifyResult;
}

const refuse = (reason: string) => ({ ok: false as const, reason });

/**
 * Stateless: every header is single-use in practice (it covers one body), so there is nothing worth remembering
 * and nothing to bound. Cost per request: one HMAC-SHA256 over the body.
 */
export function createInternalVerifier(key: string, opts: InternalVerifierOptions): InternalVerifier {
  const prepared = keyObject(key);
  const maxAge = opts.maxAgeSeconds ?? DEFAULT_INTERNAL_AUTH_MAX_AGE_SECONDS;
  const clock = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));

  function check(header: string | null | undefined, use: Use): CheckedHeader {
    if (typeof header !== "string" || !header) return refuse("missing internal signature");
    if (header.length > MAX_HEADER_LENGTH) return refuse("malformed internal signature");
    const parts = header.split(".");
    if (parts[0] !== VERSION) return refuse(`unsupported internal signature version (${VERSION} required)`);
    if (parts.length !== 4 || !/^\d{1,12}$/.test(parts[1]!)) return refuse("malformed internal signature");
    const [, issuedAt, encoded, signature] = parts as [string, string, string, string];
    const age = clock() - Number(issuedAt);
    if (age > maxAge) return refuse("expired internal signature");
    if (age < -INTERNAL_AUTH_MAX_SKEW_SECONDS) return refuse("internal signature issued in the future");
    let claims: Partial<Claims>;
    try {
      claims = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")) as Partial<Claims>;
    } catch {
      return refuse("malformed identity");
    }
    if (typeof claims !== "object" || claims === null) return refuse("malformed identity");
    if (claims.viewerId !== null && typeof claims.viewerId !== "string") return refuse("malformed identity");
    if (claims.tokenExp !== undefined && typeof claims.tokenExp !== "number") return refuse("malformed identity");
    if (claims.ip !== undefined && (typeof claims.ip !== "string" || !claims.ip || claims.ip.length > 64))
      return refuse("malformed identity");
    if (claims.sid !== undefined && typeof claims.sid !== "string") return refuse("malformed identity");
    if (claims.aud !== opts.subgraph) return refuse("internal signature is for another subgraph");
    if (claims.use !== use)
      return refuse(`internal signature is not for ${use === "http" ? "an HTTP request" : "a graphql-ws connection"}`);
    if (claims.tokenExp !== undefined && claims.tokenExp <= clock()) return refuse("viewer token expired");
    const identity: InternalIdentity = { viewerId: claims.viewerId };
    if (claims.tokenExp !== undefined) identity.tokenExp = claims.tokenExp;
    if (claims.ip !== undefined) identity.clientIp = claims.ip;
    if (claims.sid !== undefined) identity.sessionId = claims.sid;
    return {
      ok: true,
      identity,
      signedPart: `${VERSION}.${issuedAt}.${encoded}`,
      signature: Buffer.from(signature, "base64url"),
    };
  }

  function verifySignature(checked: Extract<CheckedHeader, { ok: true }>, body: string | Uint8Array | undefined): VerifyResult {
    const expected = mac(prepared, checked.signedPart, body);
    if (checked.signature.length !== expected.length || !timingSafeEqual(checked.signature, expected)) {
      // One reason for a wrong key, a changed body or a changed claim: the header does not say which.
      return refuse("bad internal signature");
    }
    return { ok: true, identity: checked.identity };
  }

  return {
    check,
    verifySignature,
    verify(header, target) {
      const http = "body" in target;
      const checked = check(header, http ? "http" : "graphql-ws");
      return checked.ok ? verifySignature(checked, http ? target.body : undefined) : checked;
    },
  };
}
