import type { Plugin } from "graphql-yoga";
import { authenticate } from "../auth/authenticate.ts";
import type { VerifiedTokens } from "../auth/verified-tokens.ts";
import type { RouterServerContext } from "../context.ts";
import { graphqlErrorResponse } from "../http/graphql-error-response.ts";

/**
 * Verifies `Authorization: Bearer <JWT>` before any GraphQL work. No header → anonymous; a header that does not
 * verify → 401 UNAUTHENTICATED at once (never served as anonymous, never parsed or planned).
 */
export function useViewerAuth(opts: {
  jwtSecret: string;
  /** Remembers verified headers (the fast paths serve only those) and skips verifying them again until expiry. */
  verifiedTokens: VerifiedTokens;
}): Plugin<Record<string, unknown>, RouterServerContext> {
  return {
    async onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const authorization = request.headers.get("authorization");
      const known = authorization ? opts.verifiedTokens.get(authorization) : undefined;
      if (known) {
        serverContext.viewer = known;
        return;
      }
      const result = await authenticate(opts.jwtSecret, authorization);
      if (result.kind === "rejected") {
        endResponse(
          graphqlErrorResponse(fetchAPI, request, {
            status: 401,
            message: result.message,
            code: "UNAUTHENTICATED",
            headers: { "www-authenticate": 'Bearer error="invalid_token"' },
          }),
        );
        return;
      }
      serverContext.viewer = result.kind === "viewer" ? result.viewer : null;
      if (authorization && result.kind === "viewer") opts.verifiedTokens.remember(authorization, result.viewer);
    },
  };
}
