// The k6 adapter's `k6/http`. k6's HTTP calls are synchronous: the request runs on a worker thread while this
// thread waits on a shared flag (Atomics.wait), then takes the result off the port (receiveMessageOnPort).
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import { record } from "../state.ts";

interface Params {
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  timeout?: string | number;
}

interface WorkerResult {
  id: number;
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string | null;
  error?: string;
  durationMs: number;
}

const flag = new Int32Array(new SharedArrayBuffer(4));
const channel = new MessageChannel();
const worker = new Worker(new URL("../http-worker.mjs", import.meta.url), {
  workerData: { shared: flag.buffer, port: channel.port2 },
  transferList: [channel.port2],
});
worker.unref();
let lastId = 0;

function timeoutMs(timeout: Params["timeout"]): number {
  if (typeof timeout === "number") return timeout;
  const match = /^(\d+)(ms|s|m)$/.exec(timeout ?? "60s");
  if (!match) throw new Error(`k6 adapter: unsupported timeout ${String(timeout)}`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as "ms" | "s" | "m"];
}

export function request(method: string, url: string, body?: string | null, params: Params = {}) {
  if (body !== undefined && body !== null && typeof body !== "string")
    throw new Error("k6 adapter: only string request bodies are implemented");
  const limit = timeoutMs(params.timeout);
  const id = ++lastId;
  Atomics.store(flag, 0, 0);
  worker.postMessage({ id, method, url, headers: params.headers ?? {}, body, timeoutMs: limit });
  Atomics.wait(flag, 0, 0, limit + 5_000);
  // Results of earlier requests that outlived their wait are skipped: each request gets its own answer.
  let result: WorkerResult | undefined;
  for (let message = receiveMessageOnPort(channel.port1); message; message = receiveMessageOnPort(channel.port1)) {
    if ((message.message as WorkerResult).id === id) result = message.message as WorkerResult;
  }
  result ??= {
    id,
    status: 0,
    statusText: "",
    headers: {},
    body: null,
    error: "k6 adapter: no answer from the HTTP worker",
    durationMs: limit,
  };
  const answer = result;
  record("http_reqs", "counter", 1);
  record("http_req_duration", "trend", result.durationMs, true);
  // k6's default expected statuses: 200-399.
  record("http_req_failed", "rate", result.status >= 200 && result.status < 400 ? 0 : 1);
  return {
    status: result.status,
    status_text: result.statusText,
    headers: result.headers,
    body: result.body,
    error: result.error ?? "",
    error_code: result.error ? 1000 : 0,
    url,
    timings: { duration: result.durationMs },
    json(selector?: string): unknown {
      if (selector !== undefined) throw new Error("k6 adapter: json(selector) is not implemented");
      if (answer.body === null) throw new Error("no response body");
      return JSON.parse(answer.body);
    },
  };
}

export const get = (url: string, params?: Params) => request("GET", url, null, params);
export const post = (url: string, body?: string | null, params?: Params) => request("POST", url, body, params);
export const put = (url: string, body?: string | null, params?: Params) => request("PUT", url, body, params);
export const del = (url: string, body?: string | null, params?: Params) => request("DELETE", url, body, params);

export default { request, get, post, put, del };
