import type { ErrorCode } from "@plaza/kit";

const GRAPHQL_RESPONSE_JSON = "application/graphql-response+json";

/**
 * A GraphQL-shaped error response for requests refused before GraphQL processing starts (e.g. a bad token),
 * in the media type the client asked for, so clients handle it like any other GraphQL error.
 */
export function graphqlErrorResponse(
  fetchAPI: { Response: typeof Response },
  request: Request,
  opts: { status: number; message: string; code: ErrorCode; headers?: Record<string, string> },
): Response {
  const accept = request.headers.get("accept") ?? "";
  const contentType = accept.includes(GRAPHQL_RESPONSE_JSON)
    ? `${GRAPHQL_RESPONSE_JSON}; charset=utf-8`
    : "application/json; charset=utf-8";
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message: opts.message, extensions: { code: opts.code } }] }), {
    status: opts.status,
    headers: { "content-type": contentType, ...opts.headers },
  });
}
