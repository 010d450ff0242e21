import type { ExecutionArgs } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHealth, createLogger } from "@plaza/kit";
import { buildRouter, type Router } from "../app.ts";
import { createRouterResponseCache, type RouterResponseCache } from "../cache/response-cache.ts";
import { createRouterMetrics } from "../metrics.ts";
import { createEngineDouble } from "./engine-double.ts";

// The router's HTTP lanes, limits and response cache over the engine double: nothing here needs @apollo/gateway.

const logger = createLogger({ service: "engine-double", level: "silent" });
const executed: ExecutionArgs[] = [];
let router: Router;
let cache: RouterResponseCache;
let url: string;

beforeAll(async () => {
  const metrics = createRouterMetrics({ defaultMetrics: false });
  cache = createRouterResponseCache({
    policy: { defaultTtlMs: 60_000, defaultScope: "PUBLIC", ttl: {}, private: [], idFields: ["id"], mutations: {} },
    metrics,
    logger,
    l1MaxBytes: 1_000_000,
    maxBodyBytes: 16_384,
  });
  router = await buildRouter({
    supergraphSdl: "(not read by the double)",
    jwtSecret: "engine-double-jwt-secret-0123456789abcdef",
    internalAuthKey: "engine-double-internal-key-0123456789abcd",
    logger,
    metrics,
    health: createHealth(),
    plugins: cache.plugins,
    wrapHttpHandler: cache.wrapHttpHandler,
    limits: { maxDepth: 3 },
    engine: createEngineDouble({
      typeDefs:
        "type Item { id: ID! name: String! child: Item } type Query { item(id: ID!): Item } type Subscription { tick: Int }",
      resolvers: { Query: { item: (_: unknown, args: { id: string }) => ({ id: args.id, name: `item ${args.id}` }) } },
      onExecute: (args) => executed.push(args),
    }),
  });
  url = `http://127.0.0.1:${await router.listen(0)}/graphql`;
});

afterAll(async () => {
  await router?.close();
  await cache?.close();
});

const post = async (query: string) => {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("the router over a second federation engine (the test double)", () => {
  it("serves queries through the port, caches them and judges limits before the engine", async () => {
    expect(await post('{ item(id: "1") { id name } }')).toEqual({
      status: 200,
      body: { data: { item: { id: "1", name: "item 1" } } },
    });
    expect(await post('{ item(id: "1") { id name } }')).toEqual({
      status: 200,
      body: { data: { item: { id: "1", name: "item 1" } } },
    });
    // The second answer came from the response cache: the engine saw the operation once.
    expect(executed).toHaveLength(1);
    const deep = await post('{ item(id: "1") { child { child { child { id } } } } }');
    expect(deep.body).toMatchObject({ errors: [{ extensions: { code: "MAX_DEPTH_LIMIT" } }] });
    expect(executed).toHaveLength(1);
  });

  it("answers subscriptions the engine refuses with its coded error", async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: "subscription { tick }" }),
    });
    expect(await res.text()).toContain('"code":"BAD_USER_INPUT"');
  });
});
