import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger, NodeHandler } from "@plaza/kit";

/** The payment provider's webhooks, forwarded to the payments subgraph (PRODUCT §3). */
export const WEBHOOK_PATH = "/webhooks/psp";
/** Provider webhooks are small JSON documents. */
const MAX_WEBHOOK_BYTES = 256 * 1024;
/** Headers the subgraph needs to verify and parse the event; nothing else of the client's request is passed on. */
const FORWARDED_HEADERS = ["content-type", "stripe-signature", "user-agent"] as const;

/**
 * `POST /webhooks/psp` on the router: the exact bytes received go to the subgraph's `/webhooks/psp` (its signature
 * covers the raw body, so nothing may re-encode it), and its status and body come back. The subgraph verifies the
 * provider's signature itself; the router adds no identity. Without a `payments` subgraph in the supergraph: 404.
 */
export function createWebhookForwarder(opts: { targetUrl: () => string | undefined; timeoutMs: number; logger: Logger }) {
  return (next: NodeHandler): NodeHandler =>
    (req, res) => {
      if ((req.url ?? "/").split("?")[0] !== WEBHOOK_PATH) return next(req, res);
      const target = opts.targetUrl();
      if (!target) return reply(res, 404, { error: "no payments subgraph" });
      if (req.method !== "POST") return reply(res, 405, { error: "POST only" }, { allow: "POST" });
      if (Number(req.headers["content-length"] ?? 0) > MAX_WEBHOOK_BYTES) return reply(res, 413, { error: "payload too large" });
      readBody(req, (body) => {
        if (!body) return reply(res, 413, { error: "payload too large" }, { connection: "close" });
        const headers: Record<string, string> = {};
        for (const name of FORWARDED_HEADERS) {
          const value = req.headers[name];
          if (typeof value === "string") headers[name] = value;
        }
        fetch(target, { method: "POST", headers, body: new Uint8Array(body), signal: AbortSignal.timeout(opts.timeoutMs) })
          .then(async (response) => {
            const text = Buffer.from(await response.arrayBuffer());
            res.writeHead(response.status, {
              "content-type": response.headers.get("content-type") ?? "application/json",
              "content-length": text.length,
            });
            res.end(text);
          })
          .catch((err: unknown) => {
            opts.logger.warn({ err }, "webhook could not be forwarded to the payments subgraph");
            // 502: the provider retries the delivery later.
            reply(res, 502, { error: "payments subgraph unavailable" });
          });
      });
    };
}

function readBody(req: IncomingMessage, done: (body: Buffer | undefined) => void) {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on("data", (chunk: Buffer) => {
    if (over) return;
    size += chunk.length;
    if (size > MAX_WEBHOOK_BYTES) {
      over = true;
      req.pause();
      return done(undefined);
    }
    chunks.push(chunk);
  });
  req.once("end", () => {
    if (!over) done(Buffer.concat(chunks, size));
  });
  req.once("error", () => {
    if (!over) {
      over = true;
      done(undefined);
    }
  });
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
