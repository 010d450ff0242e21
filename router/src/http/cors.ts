import type { OutgoingHttpHeaders } from "node:http";
import type { CORSOptions } from "graphql-yoga";

/** `*`: any origin (development); a list: exactly those origins; empty: no cross-origin access (production default). */
export type CorsOrigins = "*" | readonly string[];

export interface CorsPolicy {
  allows(origin: string): boolean;
  /** For yoga's `cors` option: the same decision per request. */
  yoga(request: Request): CORSOptions;
  /** The headers yoga adds to a simple (non-preflight) response for this origin: for lanes that answer without yoga. */
  responseHeaders(origin: string | undefined): OutgoingHttpHeaders | undefined;
}

/** An allowed origin is echoed (never `*`, so credentials work), with `Vary: Origin`; any other gets no CORS headers. */
export function createCorsPolicy(origins: CorsOrigins): CorsPolicy {
  const listed = origins === "*" ? undefined : new Set(origins);
  const allows = (origin: string) => listed === undefined || listed.has(origin);
  // Yoga echoes the request's origin for a "*" list, with Vary: Origin and credentials.
  const echo: CORSOptions = { origin: ["*"], credentials: true };
  return {
    allows,
    yoga(request) {
      const origin = request.headers.get("origin");
      return origin !== null && allows(origin) ? echo : false;
    },
    responseHeaders(origin) {
      if (!origin || !allows(origin)) return undefined;
      return { "access-control-allow-origin": origin, vary: "Origin", "access-control-allow-credentials": "true" };
    },
  };
}
