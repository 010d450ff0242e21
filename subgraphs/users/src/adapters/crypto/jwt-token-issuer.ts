import { signAccessToken } from "@plaza/kit";
import type { TokenIssuer } from "../../application/ports/token-issuer.port.ts";

export function createJwtTokenIssuer(opts: { secret: string; ttlSeconds: number }): TokenIssuer {
  return {
    async issue(userId) {
      const token = await signAccessToken(opts.secret, userId, opts.ttlSeconds);
      return { token, expiresAt: new Date(Date.now() + opts.ttlSeconds * 1000) };
    },
  };
}
