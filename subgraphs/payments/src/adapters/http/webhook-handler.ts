import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@plaza/kit";
import type { ProviderEvent } from "../../application/ports/payment-provider.port.ts";

/** Webhook bodies are small JSON documents; anything bigger is not from the provider. */
const MAX_WEBHOOK_BYTES = 256 * 1024;

export interface WebhookHandlerDeps {
  /** Verifies the signature over the exact bytes received and translates the event; throws when it does not verify. */
  verify(rawBody: Buffer, signature: string | undefined): ProviderEvent;
  handle(event: ProviderEvent): Promise<"applied" | "duplicate" | "ignored">;
  logger: Logger;
  onRefused?: (reason: "signature" | "too_large" | "method") => void;
}

/**
 * `POST /webhooks/psp`. Authenticated by the provider's signature, not by the router's (the router forwards it
 * untouched). 400 for a bad or stale signature (nothing changes), 200 once the event is applied or recognised as
 * already applied or not ours, 500 when applying failed: the provider delivers it again later.
 */
export function createWebhookHandler(deps: WebhookHandlerDeps) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST") {
      deps.onRefused?.("method");
      return reply(res, 405, { error: "POST only" }, { allow: "POST" });
    }
    if (Number(req.headers["content-length"] ?? 0) > MAX_WEBHOOK_BYTES) {
      deps.onRefused?.("too_large");
      return reply(res, 413, { error: "payload too large" }, { connection: "close" });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_WEBHOOK_BYTES) {
        if (!refused) {
          refused = true;
          deps.onRefused?.("too_large");
          reply(res, 413, { error: "payload too large" }, { connection: "close" });
          req.pause();
        }
        return;
      }
      chunks.push(chunk);
    });
    req.once("error", () => res.destroy());
    req.once("end", () => {
      if (refused) return;
      const raw = Buffer.concat(chunks);
      const signature = req.headers["stripe-signature"];
      let event: ProviderEvent;
      try {
        event = deps.verify(raw, Array.isArray(signature) ? signature[0] : signature);
      } catch {
        deps.onRefused?.("signature");
        return reply(res, 400, { error: "invalid signature" });
      }
      deps.handle(event).then(
        (outcome) => reply(res, 200, { received: true, outcome }),
        (err: unknown) => {
          deps.logger.error({ err, eventId: event.id }, "webhook event could not be applied; the provider will retry");
          reply(res, 500, { error: "not applied" });
        },
      );
    });
  };
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
