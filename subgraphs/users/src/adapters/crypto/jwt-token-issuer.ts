import { randomBytes } from "node:crypto";
import { signAccessToken } from "@plaza/kit";
import type { TokenIssuer } from "../../application/ports/token-issuer.port.ts";

/**
 * Every token is a session of its own (`sid`, 128 random bits) issued under the user's current token version
 * (`ver`), so one session can be signed out and every session at once. Without `tokenVersionOf` (tests) the
 * version is 0.
 */
export function createJwtTokenIssuer(opts: {
  secret: string;
  ttlSeconds: number;
  tokenVersionOf?: (userId: string) => Promise<number | null>;
}): TokenIssuer {
  return {
    async issue(userId) {
      const ver = (await opts.tokenVersionOf?.(userId)) ?? 0;
      const sid = randomBytes(16).toString("base64url");
      const token = await signAccessToken(opts.secret, userId, opts.ttlSeconds, { sid, ver });
      return { token, expiresAt: new Date(Date.now() + opts.ttlSeconds * 1000) };
    },
  };
}
