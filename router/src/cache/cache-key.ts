import { createHash } from "node:crypto";
import { GraphQLError } from "graphql";

/**
 * Deeper variables than this are refused rather than walked: the router's request guard already refuses bodies
 * nesting deeper than its (smaller) limit, so this only backs it up for other transports.
 */
export const MAX_KEY_DEPTH = 256;

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` variables share a cache entry. */
export function stableStringify(value: unknown, depth = 0): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (depth >= MAX_KEY_DEPTH) {
    throw new GraphQLError(`Variables nest deeper than ${MAX_KEY_DEPTH} levels`, { extensions: { code: "BAD_REQUEST" } });
  }
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? "null" : stableStringify(item, depth + 1))).join(",")}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${stableStringify(record[key], depth + 1)}`);
  }
  return `{${parts.join(",")}}`;
}

/** Public results are shared; private ones are keyed by the viewer (anonymous callers never reach here). */
export function scopeKey(scope: "PUBLIC" | "PRIVATE", viewerId: string | null): string {
  return scope === "PUBLIC" ? "public" : `viewer:${viewerId ?? ""}`;
}

/**
 * The one cache key function, used by the GraphQL path (the response-cache plugin) and by the HTTP fast path:
 * both must derive identical keys from the query text as sent, the operation name, the raw variables and the scope.
 */
export function responseCacheKey(
  documentText: string,
  operationName: string | null | undefined,
  variables: unknown,
  scope: string,
): string {
  return createHash("sha256")
    .update(documentText)
    .update("\u0000")
    .update(operationName ?? "")
    .update("\u0000")
    .update(stableStringify(variables ?? {}))
    .update("\u0000")
    .update(scope)
    .digest("base64url");
}
