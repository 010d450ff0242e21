import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "undici";
import { createInternalSigner, createInternalVerifier, createLogger, INTERNAL_AUTH_HEADER, REQUEST_ID_HEADER } from "@plaza/kit";
import { createRouterMetrics } from "../metrics.ts";
import { createSubgraphClient, SubgraphFetchError } from "./subgraph-client.ts";

const KEY = "internal-key-for-unit-tests-0123456789";
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let handler: Handler = (_req, _body, res) => res.end();
let server: Server;
let url: string;
const agent = new Agent({ keepAliveTimeout: 1000 });
const metrics = createRouterMetrics({ defaultMetrics: false });
const logger = createLogger({ service: "test", level: "silent" });
/** What the subgraph named "accounts" (the data source's name) checks. */
const accounts = createInternalVerifier(KEY, { subgraph: "accounts" });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/graphql`;
});
afterEach(() => {
  handler = (_req, _body, res) => res.end();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await agent.close();
});

const dataSource = (timeoutMs = 5_000) =>
  createSubgraphClient({
    name: "accounts",
    url,
    dispatcher: agent,
    signIdentity: createInternalSigner(KEY),
    timeoutMs,
    metrics,
    logger,
  });

const REQUEST = { query: "{ a }", variables: { x: 1 } };

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

async function fetchError(promise: Promise<unknown>): Promise<SubgraphFetchError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof SubgraphFetchError)) throw new Error(`expected a SubgraphFetchError, got ${String(error)}`);
  return error;
}

describe("subgraph client", () => {
  it("posts the operation with the signed viewer identity and the request id", async () => {
    let seen: { headers: IncomingMessage["headers"]; body: string } | undefined;
    handler = (req, body, res) => {
      seen = { headers: req.headers, body };
      json(res, 200, { data: { a: 1 } });
    };
    const tokenExp = Math.floor(Date.now() / 1000) + 600;
    const result = await dataSource().fetch(REQUEST, { requestId: "req-1", viewer: { id: "user-1", tokenExp } });
    expect(result).toEqual({ data: { a: 1 } });
    expect(JSON.parse(seen!.body)).toEqual({ query: "{ a }", variables: { x: 1 } });
    expect(seen?.headers[REQUEST_ID_HEADER]).toBe("req-1");
    const header = seen?.headers[INTERNAL_AUTH_HEADER] as string;
    expect(accounts.verify(header, { body: seen!.body })).toEqual({ ok: true, identity: { viewerId: "user-1", tokenExp } });
    // Bound to this subgraph, this body and HTTP.
    expect(createInternalVerifier(KEY, { subgraph: "other" }).verify(header, { body: seen!.body }).ok).toBe(false);
    expect(accounts.verify(header, { body: `${seen!.body} ` }).ok).toBe(false);
    expect(accounts.verify(header, { purpose: "graphql-ws" }).ok).toBe(false);
  });

  it("signs the client's address into the identity", async () => {
    let seen: { header: string; body: string } | undefined;
    handler = (req, body, res) => {
      seen = { header: req.headers[INTERNAL_AUTH_HEADER] as string, body };
      json(res, 200, { data: { a: 1 } });
    };
    await dataSource().fetch(REQUEST, { requestId: "req-ip", viewer: null, clientIp: "203.0.113.7" });
    expect(accounts.verify(seen!.header, { body: seen!.body })).toEqual({
      ok: true,
      identity: { viewerId: null, clientIp: "203.0.113.7" },
    });
  });

  it("sends anonymous identity when there is no viewer", async () => {
    let header: string | undefined;
    let sent = "";
    handler = (req, body, res) => {
      header = req.headers[INTERNAL_AUTH_HEADER] as string;
      sent = body;
      json(res, 200, { data: { a: 1 } });
    };
    await dataSource().fetch(REQUEST, {});
    expect(accounts.verify(header, { body: sent })).toEqual({ ok: true, identity: { viewerId: null } });
  });

  it("returns GraphQL errors as data, even with a non-2xx status once execution produced data", async () => {
    handler = (_req, _body, res) =>
      json(res, 500, { data: null, errors: [{ message: "boom", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
    expect(await dataSource().fetch(REQUEST, {})).toMatchObject({ data: null, errors: [{ message: "boom" }] });
  });

  it("fails non-GraphQL answers and HTTP errors without exposing their body to clients", async () => {
    handler = (_req, _body, res) => json(res, 401, { errors: [{ message: "bad internal signature" }] });
    const httpError = await fetchError(dataSource().fetch(REQUEST, {}));
    expect(httpError).toMatchObject({ outcome: "http_error", details: { status: 401 } });
    expect(httpError.message).toBe('Subgraph "accounts" answered HTTP 401');

    handler = (_req, _body, res) => res.end("<html>proxy error</html>");
    expect((await fetchError(dataSource().fetch(REQUEST, {}))).outcome).toBe("invalid_response");
  });

  it("times out a subgraph that does not answer", async () => {
    handler = () => {};
    const error = await fetchError(dataSource(150).fetch(REQUEST, {}));
    expect(error.outcome).toBe("timeout");
  });

  it("reports an unreachable subgraph as a network error", async () => {
    const closed = createSubgraphClient({
      name: "gone",
      url: "http://127.0.0.1:9/graphql",
      dispatcher: agent,
      signIdentity: createInternalSigner(KEY),
      timeoutMs: 2_000,
      metrics,
      logger,
    });
    expect((await fetchError(closed.fetch(REQUEST, {}))).outcome).toBe("network_error");
  });

  it("records fetch durations by subgraph and outcome", async () => {
    const text = await metrics.registry.metrics();
    for (const outcome of ["ok", "graphql_errors", "http_error", "invalid_response", "timeout"]) {
      expect(text).toContain(`plaza_router_subgraph_fetch_duration_seconds_count{subgraph="accounts",outcome="${outcome}"}`);
    }
  });

  it("probes /healthz, falling back to a query when the subgraph has none", async () => {
    const paths: string[] = [];
    handler = (req, _body, res) => {
      paths.push(`${req.method} ${req.url}`);
      if (req.url === "/healthz") json(res, 404, {});
      else json(res, 200, { data: { __typename: "Query" } });
    };
    await dataSource().probe();
    expect(paths).toEqual(["GET /healthz", "POST /graphql"]);

    handler = (_req, _body, res) => json(res, 503, {});
    await expect(dataSource().probe()).rejects.toThrow("accounts: /healthz answered HTTP 503");
  });
});
