/* global fetch, performance, AbortSignal */
// Worker thread of the k6 adapter's synchronous `k6/http`: performs one fetch per message, posts the result on the
// port it was given, then wakes the blocked main thread through the shared flag (Atomics.notify).
import { parentPort, workerData } from "node:worker_threads";

const flag = new Int32Array(workerData.shared);
const port = workerData.port;

parentPort.on("message", async (request) => {
  const started = performance.now();
  let result;
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body ?? undefined,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const body = await response.text();
    result = {
      id: request.id,
      status: response.status,
      statusText: response.statusText,
      headers: Object.fromEntries(response.headers),
      body,
      durationMs: performance.now() - started,
    };
  } catch (error) {
    const cause = error?.cause?.message ?? error?.message ?? String(error);
    result = {
      id: request.id,
      status: 0,
      statusText: "",
      headers: {},
      body: null,
      error: cause,
      durationMs: performance.now() - started,
    };
  }
  port.postMessage(result);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
