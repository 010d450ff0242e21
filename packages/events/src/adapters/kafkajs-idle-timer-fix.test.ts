import { createRequire } from "node:module";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RequestQueueLike } from "./kafkajs-idle-timer-fix.ts";
import "./kafka-client.ts";

const require = createRequire(import.meta.url);
const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as new (options: object) => RequestQueueLike & {
  push(request: object): void;
  fulfillRequest(response: object): void;
  maybeThrottle(ms: number): void;
  inflight: Map<number, unknown>;
};

const quiet = { debug: () => undefined, warn: () => undefined, info: () => undefined, error: () => undefined };
const newQueue = () =>
  new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, logger: quiet });
const request = (correlationId: number, sent: number[]) => ({
  entry: { correlationId, apiKey: 0, apiName: "Test", apiVersion: 0, resolve: () => undefined, reject: () => undefined },
  expectResponse: true,
  sendRequest: () => sent.push(correlationId),
});

describe("kafkajs request queue (idle timer fix)", () => {
  afterEach(() => vi.useRealTimers());

  it("arms no timer on an idle connection", () => {
    const queue = newQueue();
    const sent: number[] = [];
    queue.push(request(1, sent));
    queue.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1]);
    expect(queue.throttleCheckTimeoutId).toBeNull();
  });

  it("still sends requests that waited for the in-flight limit or for throttling", () => {
    vi.useFakeTimers();
    const queue = newQueue();
    const sent: number[] = [];
    queue.push(request(1, sent));
    queue.push(request(2, sent)); // waits: one request in flight at most
    expect(sent).toEqual([1]);
    queue.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);

    queue.maybeThrottle(50);
    queue.fulfillRequest({ correlationId: 2, payload: Buffer.alloc(0), size: 0 });
    queue.push(request(3, sent)); // waits for the throttle to end
    expect(sent).toEqual([1, 2]);
    vi.advanceTimersByTime(60);
    expect(sent).toEqual([1, 2, 3]);
    queue.fulfillRequest({ correlationId: 3, payload: Buffer.alloc(0), size: 0 });
    expect(queue.throttleCheckTimeoutId).toBeNull();
  });
});
