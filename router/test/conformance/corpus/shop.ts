import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// The client's side of a query: @skip/@include with variables, aliases (of __typename, a field aliased to `id`),
// fragments on concrete types, root __typename, single-fetch queries with enums, nested lists and nulls, mutations.
// Mutations here are idempotent (they set what is already there), so every configuration sees the same data.

const products = [
  {
    id: "1",
    name: "Kettle",
    color: "RED",
    tags: ["kitchen", null],
    matrix: [[1, 2], [], null, [3]],
    sku: null,
    variants: [
      { id: "v1", color: "RED", sizes: [1, 2] },
      { id: "v2", color: "BLUE", sizes: null },
    ],
  },
  { id: "2", name: "Mug", color: null, tags: null, matrix: null, sku: "MUG", variants: [] },
];
const stock: Record<string, number> = { "1": 3, "2": 0 };
const find = (id: string) => products.find((p) => p.id === id) ?? null;

const shopSdl = federated(
  ["@key"],
  /* GraphQL */ `
    enum Color {
      RED
      GREEN
      BLUE
    }
    type Product @key(fields: "id") {
      id: ID!
      name: String!
      color: Color
      tags: [String]
      matrix: [[Int!]]
      sku: String
      variants: [Variant!]!
    }
    type Variant {
      id: ID!
      color: Color!
      sizes: [Int!]
    }
    type Query {
      products: [Product!]!
      product(id: ID!): Product
      colors: [Color!]!
    }
    type Mutation {
      setColor(id: ID!, color: Color): Product
      setNames(names: [String!]!): [Product!]!
    }
  `,
);

const stockSdl = federated(
  ["@key"],
  /* GraphQL */ `
    type Product @key(fields: "id") {
      id: ID!
      inStock: Boolean!
      quantity: Int
    }
  `,
);

export const shop: ConformanceSupergraph = {
  name: "shop",
  covers: "@skip/@include, aliases, fragments on concrete types, root __typename, single-fetch shapes, mutations",
  subgraphs: [
    {
      name: "shop",
      sdl: shopSdl,
      resolvers: {
        Query: {
          products: () => products,
          product: (_: unknown, args: { id: string }) => find(args.id),
          colors: () => ["RED", "GREEN", "BLUE"],
        },
        Mutation: {
          // Idempotent: the corpus sets the values the data already has.
          setColor: (_: unknown, args: { id: string; color: string | null }) => {
            const product = find(args.id);
            if (product) product.color = args.color;
            return product;
          },
          setNames: (_: unknown, args: { names: string[] }) =>
            args.names.map((name, i) => {
              products[i]!.name = name;
              return products[i];
            }),
        },
        Product: { __resolveReference: (ref: { id: string }) => find(ref.id) },
      },
    },
    {
      name: "stock",
      sdl: stockSdl,
      resolvers: {
        Product: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          inStock: (p: { id: string }) => (stock[p.id] ?? 0) > 0,
          quantity: (p: { id: string }) => stock[p.id] ?? null,
        },
      },
    },
  ],
  queries: [
    {
      name: "include and skip with variables, true",
      query: `query Flags($a: Boolean!, $b: Boolean!) { products { id name @include(if: $a) color @skip(if: $b) inStock @include(if: $a) } }`,
      variables: { a: true, b: true },
    },
    {
      name: "include and skip with variables, false",
      query: `query Flags($a: Boolean!, $b: Boolean!) { products { id name @include(if: $a) color @skip(if: $b) inStock @include(if: $a) } }`,
      variables: { a: false, b: false },
    },
    {
      name: "include on a fragment and a whole root field",
      query: `query F($on: Boolean!) { products @include(if: $on) { id ... on Product @skip(if: $on) { name } } colors @skip(if: $on) }`,
      variables: { on: true },
    },
    {
      name: "skip with a default variable value",
      query: `query D($off: Boolean = true) { product(id: "1") { name sku @skip(if: $off) quantity @skip(if: $off) } }`,
    },
    { name: "aliases of fields and of __typename", query: `{ products { pid: id n: name t: __typename kind: __typename } }` },
    { name: "a field aliased to id", query: `{ products { id: name } }` },
    { name: "a field aliased to id across subgraphs", query: `{ product(id: "1") { id: sku name inStock } }` },
    { name: "id aliased away", query: `{ product(id: "2") { key: id name } }` },
    {
      name: "same field twice under different aliases",
      query: `{ a: product(id: "1") { name } b: product(id: "1") { name q: quantity } }`,
    },
    {
      name: "single fetch with fragments, enums, nested lists and nulls",
      query: `
        query Full { product(id: "1") { ...P variants { ... on Variant { id color sizes } } } other: product(id: "2") { ...P } }
        fragment P on Product { name color tags matrix sku }
      `,
    },
    { name: "single fetch, enum list", query: `{ colors }` },
    { name: "single fetch, missing entity", query: `{ product(id: "9") { name } }` },
    { name: "root typename only", query: `{ __typename }` },
    { name: "root typename with aliases", query: `{ a: __typename __typename products { id } b: __typename }` },
    {
      name: "inline fragment on the root type",
      query: `{ ... on Query { products { name } } __typename ... { colors } }`,
    },
    {
      name: "fragment on a concrete type spread twice",
      query: `query Twice { products { ...N ...N stock: quantity } } fragment N on Product { name inStock }`,
    },
    { name: "signed-in viewer, public data", query: `{ products { id name inStock } }`, viewer: "u1" },
    {
      name: "operation picked by name",
      query: `query A { colors } query B { products { name } }`,
      operationName: "B",
    },
    {
      name: "mutation answered by one subgraph",
      query: `mutation { setColor(id: "2", color: null) { id name color } }`,
    },
    {
      name: "mutation with an entity fetch and typename",
      query: `mutation M($id: ID!) { __typename setColor(id: $id, color: RED) { __typename name inStock } }`,
      variables: { id: "1" },
    },
    {
      name: "mutation returning a list",
      query: `mutation { setNames(names: ["Kettle", "Mug"]) { id name quantity } }`,
    },
    {
      name: "client aliases named like the response cache's own",
      query: `{ products { __responseCacheId: name __responseCacheTypeName: id } }`,
    },
    {
      name: "introspection of an entity type",
      query: `{ __type(name: "Product") { name kind fields { name type { name kind ofType { name } } } } }`,
    },
    { name: "introspection of the root types", query: `{ __schema { queryType { name } mutationType { name } } }` },
    {
      name: "typename and an introspection field with data",
      query: `{ colors __type(name: "Color") { enumValues { name } } }`,
    },
    { name: "query after the mutations", query: `{ products { id name color quantity } }` },
  ],
};
