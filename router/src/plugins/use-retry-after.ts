import type { OutgoingHttpHeaders } from "node:http";
import type { Plugin } from "graphql-yoga";

export const RETRY_AFTER_HEADER = "retry-after";

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/**
 * The longest wait any RATE_LIMITED error of a result asks for (`extensions.retryAfterSeconds`, whole seconds ≥ 1),
 * or undefined when none does. Results may be single or batched.
 */
export function retryAfterSecondsOf(result: unknown): number | undefined {
  let longest: number | undefined;
  for (const one of Array.isArray(result) ? result : [result]) {
    if (!isRecord(one) || !Array.isArray(one.errors)) continue;
    for (const error of one.errors as unknown[]) {
      const extensions = isRecord(error) && isRecord(error.extensions) ? error.extensions : undefined;
      const seconds = extensions?.code === "RATE_LIMITED" ? extensions.retryAfterSeconds : undefined;
      if (typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 1) {
        longest = Math.max(longest ?? 0, Math.ceil(seconds));
      }
    }
  }
  return longest;
}

/** The Retry-After header for a result, for lanes that answer without yoga's response hooks. */
export function retryAfterHeaders(result: unknown): OutgoingHttpHeaders {
  const seconds = retryAfterSecondsOf(result);
  return seconds === undefined ? {} : { [RETRY_AFTER_HEADER]: String(seconds) };
}

/**
 * Adds `Retry-After` (RFC 9110, seconds) to a response whose errors include RATE_LIMITED with
 * `extensions.retryAfterSeconds` — whichever subgraph or router plugin refused — so HTTP clients and proxies back
 * off without reading GraphQL errors. The longest wait wins.
 */
export function useRetryAfter(): Plugin {
  const waits = new WeakMap<Request, number>();
  return {
    onResultProcess({ request, result }) {
      const seconds = retryAfterSecondsOf(result);
      if (seconds !== undefined) waits.set(request, seconds);
    },
    onResponse({ request, response }) {
      const seconds = waits.get(request);
      if (seconds !== undefined) response.headers.set(RETRY_AFTER_HEADER, String(seconds));
    },
  };
}
