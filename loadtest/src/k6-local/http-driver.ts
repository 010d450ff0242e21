// The Node driver's HTTP load: autocannon with `connections` connections (k6's VUs), each request built by the
// scenario's step function from the shared operations, each answer checked as the k6 script checks it.
import autocannon from "autocannon";
import { answerIsCorrect, type Operation } from "../../k6/lib/operations.ts";
import { Checks, type Measured } from "./results.ts";

export interface Step {
  op: Operation;
  variables: Record<string, unknown>;
  token: string;
}

/** Per-connection state (k6: per-VU globals): `vu` counts from 1, `iteration` from 0. */
export interface Connection {
  vu: number;
  iteration: number;
  liked: Set<string>;
  /** likes: the post liked by the previous request, unliked by the next. */
  pendingUnlike?: string;
}

export type StepFn = (connection: Connection) => Step;

export async function runHttp(
  url: string,
  next: StepFn,
  shape: { connections: number; durationSeconds?: number; amount?: number; maxSeconds: number },
  checks = new Checks(),
): Promise<Measured> {
  const path = new URL(url).pathname;
  let vus = 0;
  const latencies: number[] = [];
  const started = Date.now();
  let done!: (result: autocannon.Result) => void;
  let failedToRun!: (error: unknown) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    done = resolve;
    failedToRun = reject;
  });
  const instance = autocannon(
    {
      url,
      connections: shape.connections,
      ...(shape.amount !== undefined ? { amount: shape.amount } : { duration: shape.durationSeconds }),
      timeout: 30,
      requests: [
        {
          setupRequest: (request, context) => {
            const state = context as { connection?: Connection; op?: Operation };
            state.connection ??= { vu: ++vus, iteration: 0, liked: new Set() };
            const step = next(state.connection);
            state.connection.iteration++;
            state.op = step.op;
            return {
              ...request,
              method: "POST",
              path,
              headers: { "content-type": "application/json", authorization: `Bearer ${step.token}` },
              body: JSON.stringify({ query: step.op.query, variables: step.variables }),
            };
          },
          onResponse: (status, body, context) => {
            const op = (context as { op: Operation }).op;
            checks.add(`${op.name}: HTTP 200`, status === 200);
            let parsed: unknown;
            try {
              parsed = JSON.parse(body);
            } catch {
              parsed = undefined;
            }
            checks.add(`${op.name}: correct answer`, parsed !== undefined && answerIsCorrect(op, parsed));
          },
        },
      ],
    },
    (error, result) => (error ? failedToRun(error) : done(result)),
  );
  instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  // Bounded in time whatever the request count: a slow target cannot keep a level running for ever.
  const stop = setTimeout(() => instance.stop(), shape.maxSeconds * 1000);
  const result = await finished.finally(() => clearTimeout(stop));
  // autocannon counts a timeout as an error too (`timeouts` is the subset).
  const failed = result.errors + result.non2xx;
  return {
    latencies,
    httpFailed: failed,
    requests: result.requests.total + result.errors,
    checks,
    seconds: (Date.now() - started) / 1000,
  };
}
