import { createRequire } from "node:module";

/** The part of kafkajs's per-connection request queue this fix touches. */
export interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** How soon queued requests are looked at again when no throttling says when (kafkajs's own interval). */
const RECHECK_MS = 10;

/**
 * kafkajs 2.2.4 re-arms a 1 ms timer for ever on every broker connection once it went idle (tulios/kafkajs#1556,
 * still open): measured here, an idle service spent about 5% of a core on it, the router 10%, and the timers keep
 * firing under load too. A check is only needed while requests wait in the queue (client-side throttling, or the
 * in-flight limit, whose end `fulfillRequest` already reports), so only then is one scheduled.
 */
export function scheduleCheckPendingRequests(this: RequestQueueLike): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const throttledFor = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledFor > 0 ? throttledFor : RECHECK_MS,
  );
}

const require = createRequire(import.meta.url);
const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as { prototype: RequestQueueLike };
RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
