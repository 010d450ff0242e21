import { describe, expect, it } from "vitest";
import { TARGET_IDS, targetSettings, withSubgraphUrls } from "./gateways.ts";
import { parseBenchOptions } from "./options.ts";

describe("withSubgraphUrls", () => {
  const sdl = [
    "enum join__Graph {",
    '  POSTS @join__graph(name: "posts", url: "http://localhost:4002/graphql")',
    '  USERS @join__graph(name: "users", url: "http://localhost:4001/graphql")',
    "}",
  ].join("\n");

  it("replaces the routing URL of each named subgraph and keeps the others", () => {
    const out = withSubgraphUrls(sdl, { posts: "http://127.0.0.1:5555/graphql", users: undefined });
    expect(out).toContain('POSTS @join__graph(name: "posts", url: "http://127.0.0.1:5555/graphql")');
    expect(out).toContain('USERS @join__graph(name: "users", url: "http://localhost:4001/graphql")');
  });
});

describe("targetSettings", () => {
  it("spells out each variant's cache and deduplication settings", () => {
    const on = { subgraphDedupe: true, inboundDedupe: false };
    expect(targetSettings("plaza", on)).toMatchObject({ responseCache: false, inboundDedupe: false, subgraphFetchDedupe: true });
    expect(targetSettings("plaza-cached", { subgraphDedupe: false, inboundDedupe: true })).toMatchObject({
      responseCache: true,
      inboundDedupe: true,
      subgraphFetchDedupe: false,
    });
    expect(targetSettings("hive-gateway", on)).toMatchObject({
      inboundInflightRequestDeduplication: false,
      deduplicateInflightRequests: true,
      queryPlanner: "javascript (default)",
    });
    expect(targetSettings("hive-gateway", { subgraphDedupe: false, inboundDedupe: true })).toMatchObject({
      inboundInflightRequestDeduplication: true,
      deduplicateInflightRequests: false,
    });
    expect(targetSettings("stock-apollo-gateway", { subgraphDedupe: true, inboundDedupe: true })).toMatchObject({
      inboundDedupe: false,
      subgraphFetchDedupe: false,
    });
    expect(targetSettings("hive-gateway-rust", on).queryPlanner).toMatch(/rust/);
  });
});

describe("parseBenchOptions", () => {
  it("has defaults sized for a short full run", () => {
    const options = parseBenchOptions([]);
    expect(options).toMatchObject({
      durationSeconds: 5,
      rounds: 3,
      warmUpSeconds: 2,
      subgraphDedupe: true,
      inboundDedupe: false,
    });
    expect(options.plazaConnections).toEqual([50]);
    expect(options.ecommerceConnections).toEqual([20, 50]);
    expect(options.targets).toEqual(TARGET_IDS);
    expect(options.workloads).toContain("ecommerce");
  });

  it("takes lists and applies --connections to every workload", () => {
    const options = parseBenchOptions(["--targets", "plaza,hive-gateway", "--workloads", "feed", "--connections", "10,20"]);
    expect(options.targets).toEqual(["plaza", "hive-gateway"]);
    expect(options.workloads).toEqual(["feed"]);
    expect(options.plazaConnections).toEqual([10, 20]);
    expect(options.ecommerceConnections).toEqual([10, 20]);
    expect(parseBenchOptions(["--subgraph-dedupe", "off"]).subgraphDedupe).toBe(false);
    expect(parseBenchOptions(["--inbound-dedupe", "on"]).inboundDedupe).toBe(true);
  });

  it("refuses unknown names and non-positive numbers", () => {
    expect(() => parseBenchOptions(["--targets", "plaza,apollo-router"])).toThrow(/apollo-router/);
    expect(() => parseBenchOptions(["--workloads", ""])).toThrow(/workloads/);
    expect(() => parseBenchOptions(["--duration", "0"])).toThrow(/duration/);
    expect(() => parseBenchOptions(["--connections", "5,x"])).toThrow(/connections/);
    expect(() => parseBenchOptions(["--subgraph-dedupe", "maybe"])).toThrow(/subgraph-dedupe/);
    expect(() => parseBenchOptions(["--inbound-dedupe", "yes"])).toThrow(/inbound-dedupe/);
  });
});
