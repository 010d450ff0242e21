import type { Plugin } from "graphql-yoga";
import type { Authenticator } from "../auth/authenticator.ts";
import type { RouterServerContext } from "../context.ts";
import { graphqlErrorResponse } from "../http/graphql-error-response.ts";

/**
 * Verifies `Authorization: Bearer <JWT>` before any GraphQL work. No header → anonymous; a header that does not
 * verify (bad signature, expired, lifetime over the cap, revoked session, unknown user) → 401 UNAUTHENTICATED at
 * once (never served as anonymous, never parsed or planned); a session that cannot be checked → 503.
 */
export function useViewerAuth(opts: { authenticator: Authenticator }): Plugin<Record<string, unknown>, RouterServerContext> {
  return {
    async onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const result = await opts.authenticator.authenticate(request.headers.get("authorization"));
      if (result.kind === "rejected" || result.kind === "unavailable") {
        const rejected = result.kind === "rejected";
        endResponse(
          graphqlErrorResponse(fetchAPI, request, {
            status: rejected ? 401 : 503,
            message: result.message,
            code: rejected ? "UNAUTHENTICATED" : "INTERNAL_SERVER_ERROR",
            headers: rejected ? { "www-authenticate": 'Bearer error="invalid_token"' } : { "retry-after": "1" },
          }),
        );
        return;
      }
      serverContext.viewer = result.kind === "viewer" ? result.viewer : null;
    },
  };
}
