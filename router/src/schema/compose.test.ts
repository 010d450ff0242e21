import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { apiSchemaOf } from "./breaking-changes.ts";
import { composeSupergraph, discoverSubgraphs, renderSupergraphFile, SUPERGRAPH_HEADER } from "./compose.ts";
import { accountsV1, LINK, reviewsV1 } from "./test-fixtures.ts";

const accounts = { name: "accounts", url: "http://localhost:4101/graphql", sdl: accountsV1 };
const reviews = { name: "reviews", url: "http://localhost:4102/graphql", sdl: reviewsV1 };

describe("composeSupergraph", () => {
  it("composes subgraphs into a supergraph whose API schema has both subgraphs' fields", () => {
    const result = composeSupergraph([reviews, accounts]);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.supergraphSdl).toContain('join__graph(name: "accounts", url: "http://localhost:4101/graphql")');
    const user = apiSchemaOf(result.supergraphSdl).getType("User");
    expect(Object.keys((user as unknown as { getFields(): object }).getFields())).toEqual(["id", "handle", "bio", "reviews"]);
  });

  it("is deterministic whatever the input order", () => {
    const a = composeSupergraph([accounts, reviews]);
    const b = composeSupergraph([reviews, accounts]);
    expect(a.ok && b.ok && a.supergraphSdl === b.supergraphSdl).toBe(true);
  });

  it("reports composition errors with their codes and locations", () => {
    const conflicting = { ...reviews, sdl: `${LINK}\ntype User @key(fields: "id") { id: ID! handle: Int! }` };
    const result = composeSupergraph([accounts, { ...conflicting, origin: "subgraphs/reviews/schema.graphql" }]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const codes = result.errors.map((e) => e.code);
    expect(codes).toContain("FIELD_TYPE_MISMATCH");
    expect(codes).toContain("INVALID_FIELD_SHARING");
    const mismatch = result.errors.find((e) => e.code === "FIELD_TYPE_MISMATCH")!;
    expect(mismatch.message).toContain('"User.handle"');
    expect(mismatch.locations.some((l) => l.startsWith("subgraphs/reviews/schema.graphql:2:"))).toBe(true);
  });

  it("reports SDL syntax errors per subgraph instead of throwing", () => {
    const result = composeSupergraph([accounts, { ...reviews, sdl: "type Query { broken(: String }" }]);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors[0]?.code).toBe("INVALID_GRAPHQL");
      expect(result.errors[0]?.message).toContain("[reviews]");
    }
  });

  it("fails without subgraphs", () => {
    const result = composeSupergraph([]);
    expect(result.ok ? [] : result.errors.map((e) => e.code)).toEqual(["NO_SUBGRAPHS"]);
  });

  it("renders the file with a generated-file header", () => {
    expect(renderSupergraphFile("schema { query: Query }\n\n")).toBe(`${SUPERGRAPH_HEADER}schema { query: Query }\n`);
  });
});

describe("discoverSubgraphs", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("finds <dir>/<name>/schema.graphql with default URLs and skips folders without a schema", async () => {
    dir = await mkdtemp(join(tmpdir(), "plaza-subgraphs-"));
    await mkdir(join(dir, "users"));
    await writeFile(join(dir, "users", "schema.graphql"), accountsV1);
    await mkdir(join(dir, "no-schema"));
    const found = await discoverSubgraphs(dir, { users: "http://localhost:4001/graphql" });
    expect(found.map(({ name, url }) => ({ name, url }))).toEqual([{ name: "users", url: "http://localhost:4001/graphql" }]);
  });

  it("refuses a subgraph without a default URL", async () => {
    dir = await mkdtemp(join(tmpdir(), "plaza-subgraphs-"));
    await mkdir(join(dir, "mystery"));
    await writeFile(join(dir, "mystery", "schema.graphql"), accountsV1);
    await expect(discoverSubgraphs(dir, {})).rejects.toThrow(/mystery.*no default URL/);
  });
});
