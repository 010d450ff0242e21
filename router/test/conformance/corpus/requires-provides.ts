import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// @requires (a field computed from fields of another subgraph, some null), @provides with @external (a subgraph
// answering another's field on one path only), lists of entities.

const products = [
  { upc: "p1", id: "P-1", name: "Table", price: 899, weight: 20, size: 3 },
  { upc: "p2", id: "P-2", name: "Chair", price: 54, weight: 5, size: null },
  { upc: "p3", id: "P-3", name: "Lamp", price: 20, weight: null, size: 1 },
];
const reviewList = [
  { id: "r1", body: "Sturdy", upc: "p1", authorId: "u1" },
  { id: "r2", body: "Wobbly", upc: "p2", authorId: "u2" },
  { id: "r3", body: "Bright", upc: "p3", authorId: "u1" },
  { id: "r4", body: "Gone", upc: "p9", authorId: "u9" },
];
const users: Record<string, string> = { u1: "Ada", u2: "Brian" };

const productsSdl = federated(
  ["@key", "@shareable"],
  /* GraphQL */ `
    type Product @key(fields: "upc") {
      upc: String!
      "Not the key: only this subgraph knows it."
      id: ID!
      name: String! @shareable
      price: Int
      weight: Int
      size: Int
    }
    type Query {
      topProducts(first: Int = 5): [Product!]!
      product(upc: String!): Product
    }
  `,
);

const shippingSdl = federated(
  ["@key", "@external", "@requires"],
  /* GraphQL */ `
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      size: Int @external
      shippingEstimate: Int @requires(fields: "weight size")
    }
  `,
);

const reviewsSdl = federated(
  ["@key", "@external", "@provides", "@shareable"],
  /* GraphQL */ `
    type Review @key(fields: "id") {
      id: ID!
      body: String!
      product: Product @provides(fields: "name")
      author: User
    }
    type Product @key(fields: "upc") {
      upc: String!
      name: String! @external
      reviews: [Review!]!
    }
    type User @key(fields: "id") {
      id: ID!
      username: String
      reviews: [Review!]!
    }
    type Query {
      latestReviews: [Review!]!
    }
  `,
);

const usersSdl = federated(
  ["@key", "@shareable"],
  /* GraphQL */ `
    type User @key(fields: "id") {
      id: ID!
      name: String!
    }
  `,
);

const findProduct = (upc: string) => products.find((p) => p.upc === upc) ?? null;
const reviewOut = (r: (typeof reviewList)[number]) => ({
  ...r,
  product: { upc: r.upc, name: findProduct(r.upc)?.name ?? "(provided) unknown" },
  author: { id: r.authorId },
});

export const requiresProvides: ConformanceSupergraph = {
  name: "requires-provides",
  covers: "@requires / @provides / @external, lists of entities, entities missing in their owning subgraph",
  subgraphs: [
    {
      name: "products",
      sdl: productsSdl,
      resolvers: {
        Query: {
          topProducts: (_: unknown, args: { first: number }) => products.slice(0, args.first),
          product: (_: unknown, args: { upc: string }) => findProduct(args.upc),
        },
        Product: { __resolveReference: (ref: { upc: string }) => findProduct(ref.upc) },
      },
    },
    {
      name: "shipping",
      sdl: shippingSdl,
      resolvers: {
        Product: {
          __resolveReference: (ref: { upc: string; weight?: number | null; size?: number | null }) => ref,
          shippingEstimate: (p: { weight?: number | null; size?: number | null }) =>
            p.weight === null || p.weight === undefined ? null : p.weight * 2 + (p.size ?? 0),
        },
      },
    },
    {
      name: "reviews",
      sdl: reviewsSdl,
      resolvers: {
        Query: { latestReviews: () => reviewList.map(reviewOut) },
        Review: {
          __resolveReference: (ref: { id: string }) => {
            const review = reviewList.find((r) => r.id === ref.id);
            return review ? reviewOut(review) : null;
          },
        },
        Product: {
          __resolveReference: (ref: { upc: string }) => ({ upc: ref.upc }),
          reviews: (p: { upc: string }) => reviewList.filter((r) => r.upc === p.upc).map(reviewOut),
        },
        User: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          username: (u: { id: string }) => `@${u.id}`,
          reviews: (u: { id: string }) => reviewList.filter((r) => r.authorId === u.id).map(reviewOut),
        },
      },
    },
    {
      name: "users",
      sdl: usersSdl,
      resolvers: {
        User: { __resolveReference: (ref: { id: string }) => (users[ref.id] ? { id: ref.id, name: users[ref.id] } : null) },
      },
    },
  ],
  queries: [
    { name: "requires over a list", query: `{ topProducts { upc name shippingEstimate } }` },
    {
      name: "requires without selecting the required fields",
      query: `query One($upc: String!) { product(upc: $upc) { shippingEstimate } }`,
      variables: { upc: "p2" },
    },
    { name: "requires with required fields also selected", query: `{ topProducts(first: 2) { weight shippingEstimate size } }` },
    { name: "provides answered by one subgraph", query: `{ latestReviews { body product { upc name } } }` },
    {
      name: "provides plus a field it does not provide",
      query: `{ latestReviews { id product { name price shippingEstimate } } }`,
    },
    {
      name: "entity chain across four subgraphs",
      query: `{ topProducts(first: 3) { name reviews { body author { name username reviews { product { name } } } } } }`,
    },
    {
      name: "entity missing in its owning subgraph",
      query: `{ latestReviews { id author { id name } } }`,
      expectErrors: true,
    },
    {
      name: "provided field of an entity its owner does not know",
      query: `{ latestReviews { body product { name } } }`,
    },
    { name: "id that is not the key, selected", query: `{ topProducts(first: 2) { id upc } }` },
    {
      name: "the same entity fetch at two aliases",
      query: `{ a: product(upc: "p1") { shippingEstimate reviews { body } } b: product(upc: "p1") { shippingEstimate reviews { body } } }`,
    },
    { name: "nullable entity whose owner returns null", query: `{ latestReviews { id product { upc price } } }` },
  ],
};
