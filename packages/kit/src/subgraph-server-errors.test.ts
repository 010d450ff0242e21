import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "graphql";
import { pino } from "pino";
import { createHealth } from "./health.ts";
import { INTERNAL_AUTH_HEADER, REQUEST_ID_HEADER, signInternalIdentity } from "./internal-auth.ts";
import { createMetrics } from "./metrics.ts";
import { createSubgraphServer, type BaseContext, type SubgraphServer } from "./subgraph-server.ts";
import { badUserInput } from "./errors.ts";

const KEY = "e".repeat(32);
const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let server: SubgraphServer;
let url: string;

beforeAll(async () => {
  server = createSubgraphServer<BaseContext>({
    service: "ledger",
    typeDefs: parse("type Query { boom: String, refused: String }"),
    resolvers: {
      Query: {
        boom: () => {
          throw new Error("connection to db-7 refused");
        },
        refused: () => {
          throw badUserInput("x", "bad x");
        },
      },
    } as never,
    logger: pino({ level: "info" }, sink),
    metrics: createMetrics("ledger", { defaultMetrics: false }),
    health: createHealth(),
    internalAuthKey: KEY,
    context: (base) => base,
  });
  url = `http://127.0.0.1:${await server.listen(0)}/graphql`;
});

afterAll(() => server.close());

async function ask(query: string, requestId: string, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ query });
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [REQUEST_ID_HEADER]: requestId,
      [INTERNAL_AUTH_HEADER]: signInternalIdentity(KEY, { viewerId: null }, { subgraph: "ledger", body }),
      ...headers,
    },
    body,
  });
  return (await response.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

describe("unexpected errors in a subgraph", () => {
  it("are masked for the client and logged with the router's request id, on the lane and on yoga's path", async () => {
    for (const [requestId, headers] of [
      ["req-lane-1", {}],
      ["req-yoga-1", { origin: "http://browser.test" }],
    ] as const) {
      const answer = await ask("{ boom }", requestId, headers);
      expect(answer.errors?.[0]).toMatchObject({ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } });
      const logged = lines.find((line) => line.requestId === requestId && line.msg === "unexpected error masked");
      expect(logged).toBeDefined();
      expect(JSON.stringify(logged)).toContain("connection to db-7 refused");
    }
  });

  it("are not logged when they are the client's (coded domain errors)", async () => {
    const answer = await ask("{ refused }", "req-domain-1");
    expect(answer.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(lines.some((line) => line.requestId === "req-domain-1" && line.msg === "unexpected error masked")).toBe(false);
  });
});
