import { readFileSync } from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { products } from "./data.ts";
import { ECOMMERCE_QUERY } from "./query.ts";
import { startEcommerceRouter, startEcommerceSubgraphs, type EcommerceSubgraphs } from "./start-ecommerce.ts";

interface ProductResult {
  upc: string;
  price: number;
  weight: number;
  shippingEstimate: number | null;
  inStock: boolean;
}

describe("the e-commerce benchmark workload", () => {
  let subgraphs: EcommerceSubgraphs;
  let server: ApolloServer;
  beforeAll(async () => {
    subgraphs = await startEcommerceSubgraphs();
    server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: readFileSync(subgraphs.supergraphPath, "utf8") }) });
    await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    await subgraphs?.stop();
  });

  it("answers the nested query through stock Apollo Gateway with every subgraph's fields and no errors", async () => {
    const response = await server.executeOperation({ query: ECOMMERCE_QUERY, operationName: "TestQuery" });
    const result = (response.body as { kind: "single"; singleResult: { data?: Record<string, unknown>; errors?: unknown } })
      .singleResult;
    expect(result.errors).toBeUndefined();
    const text = JSON.stringify(result);
    expect(text.length).toBeGreaterThan(80_000); // the size the workload is meant to have (the public benchmark's 87.6 KB)
    const top = result.data!.topProducts as ProductResult[];
    expect(top.map((p) => p.upc)).toEqual(products.slice(0, 5).map((p) => p.upc));
    for (const product of top) {
      // @requires reached the inventory subgraph with the products subgraph's price and weight.
      expect(product.shippingEstimate).toBe(product.price > 1000 ? 0 : Math.round(product.weight / 2));
      expect(typeof product.inStock).toBe("boolean");
    }
  });

  it("Plaza's router answers byte for byte as stock does, with entity deduplication on (sending fewer representations) and off", async () => {
    const stock = await server.executeOperation({ query: ECOMMERCE_QUERY, operationName: "TestQuery" });
    const expected = JSON.stringify((stock.body as { kind: "single"; singleResult: unknown }).singleResult);
    const sentBy: Record<string, { sent: number; deduplicated: number }> = {};
    for (const entityDedupe of ["true", "false"]) {
      const router = await startEcommerceRouter(subgraphs.supergraphPath, {
        RESPONSE_CACHE_ENABLED: "false",
        SUBGRAPH_ENTITY_DEDUPE: entityDedupe,
      });
      try {
        const response = await fetch(router.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: ECOMMERCE_QUERY, operationName: "TestQuery" }),
        });
        expect(await response.text()).toBe(expected);
        const metrics = await (await fetch(new URL("/metrics", router.url))).text();
        const sum = (outcome: string) =>
          [
            ...metrics.matchAll(
              new RegExp(`^plaza_router_subgraph_representations_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`, "gm"),
            ),
          ]
            .map((m) => Number(m[1]))
            .reduce((a, b) => a + b, 0);
        sentBy[entityDedupe] = { sent: sum("sent"), deduplicated: sum("deduplicated") };
      } finally {
        await router.stop();
      }
    }
    // The same representations asked for; with deduplication most of them are not sent.
    expect(sentBy.true!.sent + sentBy.true!.deduplicated).toBe(sentBy.false!.sent);
    expect(sentBy.false!.deduplicated).toBe(0);
    expect(sentBy.true!.sent).toBeLessThan(sentBy.false!.sent / 4);
  });

  it("a subgraph answers malformed and oversized requests with 400 and keeps serving", async () => {
    const url = subgraphs.urls.reviews;
    const post = (body: string) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect((await post("{not json")).status).toBe(400);
    expect((await post(JSON.stringify({ query: 42 }))).status).toBe(400);
    expect((await post(JSON.stringify({ query: "{ nope }" }))).status).toBe(400);
    const oversized = await post(JSON.stringify({ query: `{ _service { sdl } }`, pad: "x".repeat(2 << 20) })).catch(
      () => undefined, // the server may close the socket while the client still writes
    );
    if (oversized) expect(oversized.status).toBe(400);
    const ok = await post(JSON.stringify({ query: "{ _service { sdl } }" }));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: { _service: { sdl: string } } }).data._service.sdl).toContain("type Review");
  });
});
