import { buildSchema, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { createDocumentAnalyzer } from "./document-analysis.ts";
import { plazaCachePolicy } from "./plaza-cache-policy.ts";

const schema = buildSchema(/* GraphQL */ `
  type User {
    id: ID!
    handle: String!
    posts: [Post!]!
  }
  type Post {
    id: ID!
    body: String!
    author: User!
    likeCount: Int!
    viewCount: Int!
    viewerHasLiked: Boolean!
  }
  type Counter {
    resourceId: ID!
    value: Int!
  }
  type Query {
    me: User
    user(id: ID!): User
    post(id: ID!): Post
    feed: [Post!]!
    counter(resourceId: ID!): Counter
  }
  type Mutation {
    updateProfile(bio: String): User!
  }
`);
const analyzer = createDocumentAnalyzer(schema, plazaCachePolicy());
const analyze = (query: string, operationName?: string) => analyzer.analyze(parse(query), operationName);

describe("document analysis", () => {
  it("shares results that do not depend on the viewer", () => {
    expect(analyze("{ post(id: 1) { body author { handle } likeCount } }")).toMatchObject({
      kind: "query",
      cacheable: true,
      scope: "PUBLIC",
    });
  });

  it("makes results per viewer when a private field is selected anywhere, fragments included", () => {
    expect(analyze("{ me { id } }")).toMatchObject({ cacheable: true, scope: "PRIVATE" });
    const viaFragment =
      "query Q { user(id: 1) { posts { ...P } } } fragment P on Post { id ...Q2 } fragment Q2 on Post { viewerHasLiked }";
    expect(analyze(viaFragment)).toMatchObject({ cacheable: true, scope: "PRIVATE" });
  });

  it("never caches fields with TTL 0, introspection, mutations or unknown operations", () => {
    expect(analyze("{ feed { id } }").cacheable).toBe(false);
    expect(analyze("{ __schema { types { name } } }").cacheable).toBe(false);
    expect(analyze("mutation { updateProfile(bio: null) { id } }")).toMatchObject({
      kind: "mutation",
      cacheable: false,
      rootFields: ["updateProfile"],
    });
    expect(analyze("query A { me { id } } query B { post(id: 1) { id } }", "B")).toMatchObject({ name: "B", scope: "PUBLIC" });
    expect(analyze("query A { me { id } } query B { post(id: 1) { id } }", "C").kind).toBe("invalid");
  });

  it("reports the shortest TTL the policy names for what the operation selects", () => {
    expect(analyze("{ post(id: 1) { id viewCount } }").ttlMs).toBe(10_000);
    expect(analyze("{ post(id: 1) { id } }").ttlMs).toBeUndefined();
  });

  it("shares by default (AUTO) only on the supergraph the policy was written for", () => {
    const plaza = createDocumentAnalyzer(schema, plazaCachePolicy({ defaultScope: "AUTO" }));
    expect(plaza.analyze(parse("{ post(id: 1) { id } }"), undefined).scope).toBe("PUBLIC");
    const other = buildSchema("type Item { id: ID! } type Query { item: Item viewer: Item }");
    const foreign = createDocumentAnalyzer(other, plazaCachePolicy({ defaultScope: "AUTO" }));
    expect(foreign.analyze(parse("{ viewer { id } }"), undefined).scope).toBe("PRIVATE");
  });

  it("can default every result to per viewer for supergraphs nobody reviewed", () => {
    const strict = createDocumentAnalyzer(schema, plazaCachePolicy({ defaultScope: "PRIVATE" }));
    expect(strict.analyze(parse("{ post(id: 1) { id } }"), undefined).scope).toBe("PRIVATE");
  });
});
