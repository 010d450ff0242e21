import { buildSchema, parse } from "graphql";
import { describe, expect, it } from "vitest";
import type { ResponseCachePolicy } from "./cache-policy.ts";
import { createResultEntityCollector, mutationTags, resultTags, type CollectInput } from "./result-entities.ts";

const schema = buildSchema(/* GraphQL */ `
  interface Node {
    id: ID!
  }
  type User implements Node {
    id: ID!
    name: String!
    best: Post
    posts: [Post!]!
  }
  type Post implements Node {
    id: ID!
    title: String!
    author: User!
  }
  type Secret implements Node {
    id: ID!
    code: String!
  }
  type Counter {
    resourceId: ID!
    value: Int!
  }
  union SearchResult = User | Post
  type Query {
    node(id: ID!): Node
    nodes: [Node]!
    search: [SearchResult!]!
    user(id: ID!): User
    counter(id: ID!): Counter
  }
  type Mutation {
    rename(id: ID!, name: String!): User!
    touch(id: ID!): User!
  }
`);

const policy: ResponseCachePolicy = {
  defaultTtlMs: 60_000,
  defaultScope: "PUBLIC",
  ttl: { Post: 5_000 },
  private: ["Secret"],
  idFields: ["id", "resourceId"],
  mutations: { "Mutation.touch": ({ args }) => [{ typename: "User", id: String(args.id) }] },
};
const collector = createResultEntityCollector(schema, policy);
const collect = (query: string, data: Record<string, unknown>, extra: Partial<CollectInput> = {}) =>
  collector.collect({ document: parse(query), data, ...extra });
const tagsOf = (query: string, data: Record<string, unknown>, extra: Partial<CollectInput> = {}) =>
  resultTags(collect(query, data, extra)).sort();

describe("entities read from a result with the client's own selections", () => {
  it("knows which types are entities", () => {
    expect([...collector.entityTypes].sort()).toEqual(["Counter", "Post", "Secret", "User"]);
  });

  it("tags entities whose id the client selected, under any alias", () => {
    expect(tagsOf("{ user(id: 1) { id name } }", { user: { id: "1", name: "Ada" } })).toEqual(["User#any", "User:1"]);
    expect(tagsOf("{ user(id: 1) { key: id } }", { user: { key: "1" } })).toEqual(["User#any", "User:1"]);
    expect(tagsOf("{ counter(id: 7) { resourceId value } }", { counter: { resourceId: "7", value: 3 } })).toEqual([
      "Counter#any",
      "Counter:7",
    ]);
  });

  it("never takes another field aliased as `id` for the id", () => {
    const found = collect("{ user(id: 1) { id: name } }", { user: { id: "Ada" } });
    expect(found.identified).toEqual([]);
    expect([...found.unidentified]).toEqual(["User"]);
  });

  it("tags entities without a selected id by type, so any change to the type evicts the result", () => {
    expect(tagsOf("{ user(id: 1) { name } }", { user: { name: "Ada" } })).toEqual(["User#any", "User#unidentified"]);
  });

  it("reads runtime types from the client's __typename behind interfaces and unions, and every possible type without it", () => {
    const query = "{ search { kind: __typename ... on User { id } ... on Post { id title } } }";
    expect(
      tagsOf(query, {
        search: [
          { kind: "User", id: "1" },
          { kind: "Post", id: "2", title: "t" },
        ],
      }),
    ).toEqual(["Post#any", "Post:2", "User#any", "User:1"]);
    // Without __typename, the node may be any Node: tagged as each (over-invalidation is safe, under- is not).
    expect(tagsOf("{ node(id: 3) { id } }", { node: { id: "3" } })).toEqual([
      "Post#any",
      "Post:3",
      "Secret#any",
      "Secret:3",
      "User#any",
      "User:3",
    ]);
  });

  it("follows named fragments, nested lists and @skip/@include with the request's variables", () => {
    const query = /* GraphQL */ `
      query ($withPosts: Boolean!) {
        user(id: 1) {
          ...U
          posts @include(if: $withPosts) {
            id
            author {
              id
            }
          }
        }
      }
      fragment U on User {
        id
      }
    `;
    const data = { user: { id: "1", posts: [{ id: "p1", author: { id: "1" } }] } };
    expect(tagsOf(query, data, { variableValues: { withPosts: true } })).toEqual(["Post#any", "Post:p1", "User#any", "User:1"]);
    expect(tagsOf(query, { user: { id: "1" } }, { variableValues: { withPosts: false } })).toEqual(["User#any", "User:1"]);
  });

  it("marks absent entities (null fields, empty lists) by type, including each possible type of an interface", () => {
    expect(tagsOf("{ user(id: 9) { id } }", { user: null })).toEqual(["User"]);
    expect(tagsOf("{ user(id: 1) { id posts { id } } }", { user: { id: "1", posts: [] } })).toEqual([
      "Post",
      "User#any",
      "User:1",
    ]);
    expect(tagsOf("{ node(id: 9) { id } }", { node: null })).toEqual(["Post", "Secret", "User"]);
  });

  it("reports the shortest TTL of the types found, and private types reached behind an interface", () => {
    const found = collect("{ node(id: 1) { __typename id } }", { node: { __typename: "Secret", id: "1" } });
    expect(found.private).toBe(true);
    expect(found.ttlMs).toBeUndefined();
    expect(collect("{ user(id: 1) { best { id } } }", { user: { best: { id: "2" } } }).ttlMs).toBe(5_000);
  });

  it("reads `__proto__` aliases as data, never as the prototype", () => {
    const data = JSON.parse('{"user":{"__proto__":{"id":"1"},"id":"2"}}') as Record<string, unknown>;
    expect(tagsOf("{ user(id: 2) { id __proto__: best { id } } }", data)).toEqual(["Post#any", "Post:1", "User#any", "User:2"]);
  });

  it("finds nothing where @skip/@include variables do not coerce", () => {
    const query = "query ($id: ID!, $w: Boolean!) { user(id: $id) @include(if: $w) { id } }";
    expect(tagsOf(query, { user: { id: "1" } }, { variableValues: {} })).toEqual([]);
  });
});

describe("what a mutation's result invalidates", () => {
  it("evicts identified entities with their type's unidentified results, and every result of a type it cannot identify", () => {
    const found = collect('mutation { rename(id: 1, name: "B") { id name } }', { rename: { id: "1", name: "B" } });
    expect(mutationTags(found).sort()).toEqual(["User#unidentified", "User:1"]);
    const blind = collect('mutation { rename(id: 1, name: "B") { name } }', { rename: { name: "B" } });
    expect(mutationTags(blind)).toEqual(["User#any"]);
  });

  it("trusts a policy rule for what its root field's result does not identify", () => {
    const found = collect(
      "mutation { touch(id: 1) { name } }",
      { touch: { name: "B" } },
      { ignoreUnidentifiedUnder: new Set(["touch"]) },
    );
    expect(mutationTags(found)).toEqual([]);
  });
});
