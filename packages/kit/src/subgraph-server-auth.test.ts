import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "graphql";
import { createClient } from "graphql-ws";
import { WebSocket } from "ws";
import { createHealth } from "./health.ts";
import { INTERNAL_AUTH_HEADER, signInternalIdentity, type InternalAuthTarget, type InternalIdentity } from "./internal-auth.ts";
import { createLogger } from "./logger.ts";
import { createMetrics, type ServiceMetrics } from "./metrics.ts";
import { createSubgraphServer, type BaseContext, type SubgraphServer } from "./subgraph-server.ts";

const KEY = "s".repeat(32);
const SERVICE = "ledger";

/** Everything a request managed to execute: the proof that a refused request did nothing. */
const trace: string[] = [];

const typeDefs = parse(`
  type Query { viewer: String }
  type Mutation { record(note: String!): String }
  type Subscription { ticks: Int }
`);

function startSubgraph(httpFastLane: boolean, metrics: ServiceMetrics) {
  return createSubgraphServer<BaseContext>({
    service: SERVICE,
    typeDefs,
    resolvers: {
      Query: { viewer: (_: unknown, __: unknown, context: BaseContext) => context.viewerId },
      Mutation: {
        record: (_: unknown, args: { note: string }, context: BaseContext) => {
          trace.push(`${args.note} by ${context.viewerId}`);
          return args.note;
        },
      },
      Subscription: {
        ticks: {
          subscribe: async function* (_: unknown, __: unknown, context: BaseContext) {
            trace.push(`subscribed by ${context.viewerId}`);
            yield { ticks: 1 };
          },
        },
      },
    } as never,
    logger: createLogger({ service: "auth-test", level: "silent" }),
    metrics,
    health: createHealth(),
    internalAuthKey: KEY,
    context: (base) => base,
    httpFastLane,
  });
}

interface Raw {
  status: number;
  body: string;
}

/** Raw HTTP, so paths reach the server exactly as written (`//graphql`, `/GRAPHQL`). */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer) {
  return new Promise<Raw>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const MUTATION = 'mutation { record(note: "pwned") }';
const JSON_BODY = JSON.stringify({ query: MUTATION });
const signedFor = (identity: InternalIdentity, target: InternalAuthTarget, at?: number) =>
  signInternalIdentity(KEY, identity, target, at);
const now = () => Math.floor(Date.now() / 1000);

const PATHS = ["/graphql", "/graphql/", "//graphql", "/graphql?x=1", "/GRAPHQL", "/graphql/extra", "/", "/graphiql"];

/** Unsigned requests of every kind yoga might execute: method × content type. */
const UNSIGNED: Array<{ name: string; method: string; search?: string; headers?: Record<string, string>; body?: string }> = [
  { name: "GET with a query in the URL", method: "GET", search: `query=${encodeURIComponent("{ viewer }")}` },
  { name: "GET with a mutation in the URL", method: "GET", search: `query=${encodeURIComponent(MUTATION)}` },
  { name: "POST JSON", method: "POST", headers: { "content-type": "application/json" }, body: JSON_BODY },
  {
    name: "POST form-encoded",
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `query=${encodeURIComponent(MUTATION)}`,
  },
  {
    name: "POST multipart",
    method: "POST",
    headers: { "content-type": "multipart/form-data; boundary=XX" },
    body: `--XX\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON_BODY}\r\n--XX\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--XX--\r\n`,
  },
  { name: "POST application/graphql", method: "POST", headers: { "content-type": "application/graphql" }, body: MUTATION },
  { name: "PUT JSON", method: "PUT", headers: { "content-type": "application/json" }, body: JSON_BODY },
  {
    name: "an OPTIONS preflight",
    method: "OPTIONS",
    headers: { origin: "http://evil.test", "access-control-request-method": "POST" },
  },
];

describe.each([
  { lane: true, name: "with the fast lane" },
  { lane: false, name: "yoga only" },
])("subgraph internal auth ($name)", ({ lane }) => {
  let server: SubgraphServer;
  let port: number;
  const metrics = createMetrics(`auth_${lane}`, { defaultMetrics: false });
  const refusals = async (transport: string, reason: string) =>
    (await metrics.registry.getSingleMetric(metrics.name("internal_auth_refusals_total"))!.get()).values.find(
      (v) => v.labels.transport === transport && v.labels.reason === reason,
    )?.value ?? 0;

  beforeAll(async () => {
    server = startSubgraph(lane, metrics);
    port = await server.listen(0);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    trace.length = 0;
  });

  describe("unsigned requests, on every path, method and content type", () => {
    const withSearch = (path: string, search?: string) => (search ? `${path}${path.includes("?") ? "&" : "?"}${search}` : path);
    const cases = PATHS.flatMap((path) => UNSIGNED.map((c) => ({ ...c, target: withSearch(path, c.search) })));
    it.each(cases)("$name to $target: refused, nothing executed", async (c) => {
      const answer = await raw(port, c.method, c.target, c.headers, c.body);
      expect([401, 404]).toContain(answer.status);
      if (answer.status === 401) {
        expect(JSON.parse(answer.body)).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });
      }
      expect(trace).toEqual([]);
    });
  });

  describe("signed requests", () => {
    const post = (header: string, body = JSON_BODY, path = "/graphql") =>
      raw(port, "POST", path, { "content-type": "application/json", [INTERNAL_AUTH_HEADER]: header }, body);
    const expectRefused = async (answer: Raw, reason: string) => {
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toEqual({
        errors: [
          { message: `Subgraphs accept requests only from the router: ${reason}`, extensions: { code: "UNAUTHENTICATED" } },
        ],
      });
      expect(trace).toEqual([]);
    };

    it("accepts a header signed for this subgraph and this body", async () => {
      const answer = await post(signedFor({ viewerId: "u1" }, { subgraph: SERVICE, body: JSON_BODY }));
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ data: { record: "pwned" } });
      expect(trace).toEqual(["pwned by u1"]);
    });

    it("accepts it on another spelling of the path too: the body decides what runs, and it is signed", async () => {
      const answer = await post(signedFor({ viewerId: "u1" }, { subgraph: SERVICE, body: JSON_BODY }), JSON_BODY, "/graphql?x=1");
      expect(answer.status).toBe(200);
      expect(trace).toEqual(["pwned by u1"]);
    });

    it("refuses a header signed for another subgraph, and counts the refusal by reason", async () => {
      const before = await refusals("http", "internal signature is for another subgraph");
      const header = signedFor({ viewerId: "u1" }, { subgraph: "users", body: JSON_BODY });
      await expectRefused(await post(header), "internal signature is for another subgraph");
      expect(await refusals("http", "internal signature is for another subgraph")).toBe(before + 1);
    });

    it("refuses a captured header with another body", async () => {
      const header = signedFor({ viewerId: "u1" }, { subgraph: SERVICE, body: JSON.stringify({ query: "{ viewer }" }) });
      await expectRefused(await post(header), "bad internal signature");
      // The same bytes in another content type are not the signed request's body either.
      const form = await raw(
        port,
        "POST",
        "/graphql",
        { "content-type": "application/x-www-form-urlencoded", [INTERNAL_AUTH_HEADER]: header },
        `query=${encodeURIComponent(MUTATION)}`,
      );
      await expectRefused(form, "bad internal signature");
    });

    it("refuses a header older than the window, or issued in the future beyond the skew", async () => {
      const old = signedFor({ viewerId: "u1" }, { subgraph: SERVICE, body: JSON_BODY }, now() - 31);
      await expectRefused(await post(old), "expired internal signature");
      const future = signedFor({ viewerId: "u1" }, { subgraph: SERVICE, body: JSON_BODY }, now() + 30);
      await expectRefused(await post(future), "internal signature issued in the future");
    });

    it("refuses a header whose viewer token has expired", async () => {
      const header = signedFor({ viewerId: "u1", tokenExp: now() - 1 }, { subgraph: SERVICE, body: JSON_BODY });
      await expectRefused(await post(header), "viewer token expired");
    });

    it("refuses the v1 format", async () => {
      await expectRefused(await post("v1.1.e30.AAAA"), "unsupported internal signature version (v2 required)");
    });

    it("refuses a graphql-ws header on HTTP", async () => {
      const header = signedFor({ viewerId: "u1" }, { subgraph: SERVICE, purpose: "graphql-ws" });
      await expectRefused(await post(header), "internal signature is not for an HTTP request");
    });

    it("refuses GET even when signed: the query string is not covered by the signature", async () => {
      const header = signedFor({ viewerId: "u1" }, { subgraph: SERVICE, body: "" });
      const answer = await raw(port, "GET", `/graphql?query=${encodeURIComponent("{ viewer }")}`, {
        [INTERNAL_AUTH_HEADER]: header,
      });
      expect(answer.status).toBe(405);
      expect(trace).toEqual([]);
    });

    it("refuses a body over the limit", async () => {
      const body = JSON.stringify({ query: MUTATION, variables: { pad: "x".repeat(1_100_000) } });
      const header = signedFor({ viewerId: "u1" }, { subgraph: SERVICE, body });
      expect((await post(header, body)).status).toBe(413);
      expect(trace).toEqual([]);
    });

    it("answers a signed empty body with an error, without hanging", async () => {
      const answer = await post(signedFor({ viewerId: null }, { subgraph: SERVICE, body: "" }), "");
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(trace).toEqual([]);
    });

    it("still accepts an exact replay of the same body within the window (what a captured header allows)", async () => {
      const header = signedFor({ viewerId: "u1" }, { subgraph: SERVICE, body: JSON_BODY });
      expect((await post(header)).status).toBe(200);
      expect((await post(header)).status).toBe(200);
      expect(trace).toEqual(["pwned by u1", "pwned by u1"]);
    });
  });

  describe("graphql-ws", () => {
    /** Opens a socket and says what became of it: the close code, or "open" once the server acknowledged. */
    function connect(path: string, payload?: Record<string, unknown>, opts: { skipInit?: boolean } = {}) {
      return new Promise<{ upgraded: boolean; outcome: number | string }>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, "graphql-transport-ws");
        let upgraded = false;
        socket.on("unexpected-response", (_req, res) => resolve({ upgraded: false, outcome: res.statusCode ?? 0 }));
        socket.on("error", () => resolve({ upgraded, outcome: "error" }));
        socket.on("open", () => {
          upgraded = true;
          if (opts.skipInit) {
            socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { ticks }" } }));
          } else {
            socket.send(JSON.stringify({ type: "connection_init", payload }));
          }
        });
        socket.on("message", (data: Buffer) => {
          if ((JSON.parse(data.toString()) as { type: string }).type === "connection_ack") {
            socket.close();
            resolve({ upgraded, outcome: "acknowledged" });
          }
        });
        socket.on("close", (code) => resolve({ upgraded, outcome: code }));
      });
    }

    it.each(["/graphql/", "//graphql", "/GRAPHQL", "/graphql/extra", "/"])("refuses the upgrade on %s", async (path) => {
      const result = await connect(path, {
        [INTERNAL_AUTH_HEADER]: signedFor({ viewerId: "u1" }, { subgraph: SERVICE, purpose: "graphql-ws" }),
      });
      expect(result.upgraded).toBe(false);
    });

    it.each(["/graphql", "/graphql?x=1"])(
      "on %s, refuses a connection_init without a graphql-ws signature for this subgraph",
      async (path) => {
        const httpHeader = signedFor({ viewerId: "u1" }, { subgraph: SERVICE, body: "" });
        const otherSubgraph = signedFor({ viewerId: "u1" }, { subgraph: "users", purpose: "graphql-ws" });
        const expired = signedFor({ viewerId: "u1", tokenExp: now() - 1 }, { subgraph: SERVICE, purpose: "graphql-ws" });
        const old = signedFor({ viewerId: "u1" }, { subgraph: SERVICE, purpose: "graphql-ws" }, now() - 31);
        for (const payload of [
          undefined,
          {},
          { [INTERNAL_AUTH_HEADER]: httpHeader },
          { [INTERNAL_AUTH_HEADER]: otherSubgraph },
        ]) {
          expect(await connect(path, payload)).toEqual({ upgraded: true, outcome: 4403 });
        }
        for (const header of [expired, old, "v1.1.e30.AAAA"]) {
          expect(await connect(path, { [INTERNAL_AUTH_HEADER]: header })).toEqual({ upgraded: true, outcome: 4403 });
        }
        expect(await connect(path, undefined, { skipInit: true })).toEqual({ upgraded: true, outcome: 4401 });
        expect(trace).toEqual([]);
        expect(await refusals("graphql-ws", "internal signature is not for a graphql-ws connection")).toBeGreaterThan(0);
      },
    );

    it("accepts a connection signed for this subgraph's graphql-ws endpoint", async () => {
      const client = createClient({
        url: `ws://127.0.0.1:${port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: () => ({
          [INTERNAL_AUTH_HEADER]: signedFor({ viewerId: "u1" }, { subgraph: SERVICE, purpose: "graphql-ws" }),
        }),
      });
      try {
        const values: unknown[] = [];
        await new Promise<void>((resolve, reject) =>
          client.subscribe(
            { query: "subscription { ticks }" },
            { next: (v) => values.push(v.data), error: reject, complete: resolve },
          ),
        );
        expect(values).toEqual([{ ticks: 1 }]);
        expect(trace).toEqual(["subscribed by u1"]);
      } finally {
        await client.dispose();
      }
    });
  });
});
