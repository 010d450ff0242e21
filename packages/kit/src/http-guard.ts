import type { IncomingMessage, ServerResponse } from "node:http";

const MASKED_BODY = JSON.stringify({ errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });

/**
 * The answer to a request whose handler threw: a masked 500 when nothing was sent yet, otherwise the connection is
 * cut (a half-written response cannot be mended). Never throws, so no request can end the process through it.
 */
export function failRequest(res: ServerResponse): void {
  try {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(500, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(MASKED_BODY) });
    res.end(MASKED_BODY);
  } catch {
    res.destroy();
  }
}

/** Runs a synchronous piece of request handling; whatever it throws is answered with failRequest and reported. */
export function guarded(res: ServerResponse, run: () => void, report?: (error: unknown) => void): void {
  try {
    run();
  } catch (error) {
    report?.(error);
    failRequest(res);
  }
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`, judged in one pass over the bytes without
 * parsing (structural characters are ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte character).
 * Deeply nested values are harmless to JSON.parse but not to the recursive code that walks them afterwards.
 */
export function jsonNestingExceeds(json: Buffer | string, maxDepth: number): boolean {
  const bytes = typeof json === "string" ? Buffer.from(json) : json;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return false;
}

export type BodyReadResult = { ok: true; body: Buffer } | { ok: false; reason: "too-large" | "aborted" };

/**
 * Reads a request body up to `maxBytes`, whether its length was announced or not (chunked). A body that grows past
 * the limit stops being buffered at once; the caller answers 413.
 */
export function readBoundedBody(req: IncomingMessage, maxBytes: number, done: (result: BodyReadResult) => void): void {
  const announced = Number(req.headers["content-length"]);
  if (announced > maxBytes) return done({ ok: false, reason: "too-large" });
  const chunks: Buffer[] = [];
  let received = 0;
  let finished = false;
  const finish = (result: BodyReadResult) => {
    if (finished) return;
    finished = true;
    req.off("data", onData);
    done(result);
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) {
      chunks.length = 0;
      // Stop reading; the response tells the client why, and the connection is not reused.
      req.pause();
      return finish({ ok: false, reason: "too-large" });
    }
    chunks.push(chunk);
  };
  req.on("data", onData);
  req.once("error", () => finish({ ok: false, reason: "aborted" }));
  req.once("aborted", () => finish({ ok: false, reason: "aborted" }));
  req.once("end", () => finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received) }));
}
