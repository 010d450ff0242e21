import { SignJWT, jwtVerify, errors as joseErrors } from "jose";

/** Viewer access tokens: HS256 with a configured secret, always with an expiry. Signed by users, verified by the router. */
export const JWT_ISSUER = "plaza";
export const JWT_AUDIENCE = "plaza";

export interface AccessTokenClaims {
  sub: string;
  exp: number;
  iat: number;
}

const keyCache = new Map<string, Uint8Array>();
function keyOf(secret: string): Uint8Array {
  let key = keyCache.get(secret);
  if (!key) keyCache.set(secret, (key = new TextEncoder().encode(secret)));
  return key;
}

export async function signAccessToken(secret: string, userId: string, ttlSeconds: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(keyOf(secret));
}

export type TokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: "expired" | "invalid" };

/** Only HS256 is accepted, so `alg: none` and algorithm-confusion tokens fail like forged ones. */
export async function verifyAccessToken(secret: string, token: string): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ["HS256"],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      requiredClaims: ["exp", "sub"],
    });
    return { ok: true, claims: { sub: payload.sub!, exp: payload.exp!, iat: payload.iat ?? 0 } };
  } catch (err) {
    return { ok: false, reason: err instanceof joseErrors.JWTExpired ? "expired" : "invalid" };
  }
}
