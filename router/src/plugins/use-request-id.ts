import { randomUUID } from "node:crypto";
import type { Plugin } from "graphql-yoga";
import { REQUEST_ID_HEADER } from "@plaza/kit";
import type { RouterServerContext } from "../context.ts";

/** Accepted as given only if it is short and plain, so it can go into logs and upstream headers verbatim. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | null | undefined): string {
  return header && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Accepts the caller's x-request-id (or makes one), exposes it to the GraphQL context, and returns it on every
 * response, including early ones (auth failures, body too large).
 */
export function useRequestId(): Plugin<Record<string, unknown>, RouterServerContext> {
  return {
    onRequest({ request, serverContext }) {
      serverContext.requestId ??= requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
    },
    onResponse({ response, serverContext }) {
      if (serverContext.requestId) response.headers.set(REQUEST_ID_HEADER, serverContext.requestId);
    },
  };
}
