import type { IncomingMessage, ServerResponse } from "node:http";
import { continueWithBody, type NodeHandler } from "./graphql-fast-lane.ts";
import { INTERNAL_AUTH_HEADER, type InternalIdentity, type InternalVerifier } from "./internal-auth.ts";

/** Identities the gate verified, by request: the fast lane and yoga's context read them instead of verifying again. */
const verified = new WeakMap<IncomingMessage, InternalIdentity>();

/** The identity the gate verified for this request; undefined if it never passed the gate. */
export function verifiedIdentityOf(req: IncomingMessage | undefined): InternalIdentity | undefined {
  return req ? verified.get(req) : undefined;
}

export function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies the router's signature on every HTTP request a subgraph serves, whatever its method, path or content
 * type, before anything else sees it: claims first (no body needed), then the HMAC over the exact body bytes, read
 * once (bounded) and handed on as `req.body` — the fast lane and yoga both use it instead of the stream. Only POST
 * goes further: the router never sends anything else, and a GET's operation would travel in the query string, which
 * the signature does not cover. Refusals close the connection, so an unread body is not drained.
 */
export function createInternalAuthGate(opts: {
  verifier: InternalVerifier;
  maxBodyBytes: number;
  /** Told every refusal's reason (one of a few fixed strings): a metric, so clock skew or a key mismatch shows. */
  onRefused?: (reason: string) => void;
}) {
  const { verifier, maxBodyBytes } = opts;
  const unauthenticated = (res: ServerResponse, reason: string) => {
    opts.onRefused?.(reason);
    refuseWith(res, 401, `Subgraphs accept requests only from the router: ${reason}`, "UNAUTHENTICATED");
  };
  return (next: NodeHandler): NodeHandler =>
    (req, res) => {
      const checked = verifier.check(headerOf(req.headers[INTERNAL_AUTH_HEADER]), "http");
      if (!checked.ok) return unauthenticated(res, checked.reason);
      const declared = Number(req.headers["content-length"] ?? 0);
      if (!(declared <= maxBodyBytes)) return tooLarge(res);
      readBoundedBody(req, res, maxBodyBytes, (body) => {
        if (!body) return tooLarge(res);
        const result = verifier.verifySignature(checked, body);
        if (!result.ok) return unauthenticated(res, result.reason);
        if (req.method !== "POST") return refuseWith(res, 405, "Subgraphs accept only POST", "BAD_USER_INPUT", { allow: "POST" });
        verified.set(req, result.identity);
        continueWithBody(next, req, res, body);
      });
    };
}

/** The body, or undefined once it passes the limit (reading stops there). */
function readBoundedBody(req: IncomingMessage, res: ServerResponse, limit: number, onBody: (body: Buffer | undefined) => void) {
  const chunks: Buffer[] = [];
  let received = 0;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) {
      req.off("data", onData);
      req.off("end", onEnd);
      req.pause();
      onBody(undefined);
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = () => onBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
  req.on("data", onData);
  req.once("end", onEnd);
  req.once("error", () => res.destroy());
}

function tooLarge(res: ServerResponse) {
  refuseWith(res, 413, "Request body is too large", "BAD_USER_INPUT");
}

function refuseWith(res: ServerResponse, status: number, message: string, code: string, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  res.end(body);
}
