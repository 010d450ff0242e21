import { SignJWT, jwtVerify, errors as joseErrors } from "jose";

/** Viewer access tokens: HS256 with a configured secret, always with an expiry. Signed by users, verified by the router. */
export const JWT_ISSUER = "plaza";
export const JWT_AUDIENCE = "plaza";

export interface AccessTokenClaims {
  sub: string;
  exp: number;
  /** Absent on tokens that do not carry it (the router refuses those when it caps lifetimes). */
  iat?: number;
  /** Session id: one per sign-in, so one session can be signed out (`signOut`). */
  sid?: string;
  /** The user's token version when the token was issued; bumping it revokes every older token (`signOutEverywhere`). */
  ver?: number;
}

/** What a token names besides its subject: its session and the user's token version. */
export interface AccessTokenSession {
  sid: string;
  ver: number;
}

const keyCache = new Map<string, Uint8Array>();
function keyOf(secret: string): Uint8Array {
  let key = keyCache.get(secret);
  if (!key) keyCache.set(secret, (key = new TextEncoder().encode(secret)));
  return key;
}

export async function signAccessToken(
  secret: string,
  userId: string,
  ttlSeconds: number,
  session?: AccessTokenSession,
): Promise<string> {
  return new SignJWT(session ? { sid: session.sid, ver: session.ver } : {})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(keyOf(secret));
}

export type TokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: "expired" | "invalid" };

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Only HS256 is accepted, so `alg: none` and algorithm-confusion tokens fail like forged ones. */
export async function verifyAccessToken(secret: string, token: string): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ["HS256"],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      requiredClaims: ["exp", "sub"],
    });
    const { sid, ver } = payload as { sid?: unknown; ver?: unknown };
    // Malformed session claims are a broken token, not an absent session.
    if (sid !== undefined && (typeof sid !== "string" || !SESSION_ID.test(sid))) return { ok: false, reason: "invalid" };
    if (ver !== undefined && !(Number.isSafeInteger(ver) && (ver as number) >= 0)) return { ok: false, reason: "invalid" };
    const claims: AccessTokenClaims = { sub: payload.sub!, exp: payload.exp! };
    if (payload.iat !== undefined) claims.iat = payload.iat;
    if (sid !== undefined) claims.sid = sid;
    if (ver !== undefined) claims.ver = ver as number;
    return { ok: true, claims };
  } catch (err) {
    return { ok: false, reason: err instanceof joseErrors.JWTExpired ? "expired" : "invalid" };
  }
}
