import type { Plugin } from "graphql-yoga";
import { authenticate } from "../auth/authenticate.ts";
import type { RouterServerContext } from "../context.ts";
import { graphqlErrorResponse } from "../http/graphql-error-response.ts";

/**
 * Verifies `Authorization: Bearer <JWT>` before any GraphQL work. No header → anonymous; a header that does not
 * verify → 401 UNAUTHENTICATED at once (never served as anonymous, never parsed or planned).
 */
export function useViewerAuth(opts: { jwtSecret: string }): Plugin<Record<string, unknown>, RouterServerContext> {
  return {
    async onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const result = await authenticate(opts.jwtSecret, request.headers.get("authorization"));
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
    },
  };
}
