import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// An entity interface owned by `inventory`, seen by `pricing` as an @interfaceObject: fields of the interface
// object are added to every implementation, and `pricing` answers root fields returning the interface.

const items = [
  { id: "s1", kind: "Shoe", sku: "SH-1", size: 42 },
  { id: "h1", kind: "Hat", sku: "HA-1", color: "red" },
  { id: "h2", kind: "Hat", sku: "HA-2", color: null },
];
const prices: Record<string, { price: number; discounted: boolean | null }> = {
  s1: { price: 80.5, discounted: false },
  h1: { price: 20, discounted: true },
  h2: { price: 12.25, discounted: null },
};

const inventorySdl = federated(
  ["@key"],
  /* GraphQL */ `
    interface Item @key(fields: "id") {
      id: ID!
      sku: String!
    }
    type Shoe implements Item @key(fields: "id") {
      id: ID!
      sku: String!
      size: Int
    }
    type Hat implements Item @key(fields: "id") {
      id: ID!
      sku: String!
      color: String
    }
    type Query {
      items: [Item!]!
      item(id: ID!): Item
    }
  `,
);

const pricingSdl = federated(
  ["@key", "@interfaceObject"],
  /* GraphQL */ `
    type Item @key(fields: "id") @interfaceObject {
      id: ID!
      price: Float!
      discounted: Boolean
    }
    type Query {
      cheapest: Item
      onSale: [Item!]!
    }
  `,
);

const byId = (id: string) => items.find((item) => item.id === id) ?? null;

export const interfaceObject: ConformanceSupergraph = {
  name: "interface-object",
  covers: "@interfaceObject: interface fields added by another subgraph, root fields returning the interface object",
  subgraphs: [
    {
      name: "inventory",
      sdl: inventorySdl,
      resolvers: {
        Query: { items: () => items, item: (_: unknown, args: { id: string }) => byId(args.id) },
        Item: {
          __resolveReference: (ref: { id: string }) => byId(ref.id),
          __resolveType: (item: { kind: string }) => item.kind,
        },
        Shoe: { __resolveReference: (ref: { id: string }) => byId(ref.id) },
        Hat: { __resolveReference: (ref: { id: string }) => byId(ref.id) },
      },
    },
    {
      name: "pricing",
      sdl: pricingSdl,
      resolvers: {
        Query: {
          cheapest: () => ({ id: "h2", ...prices.h2 }),
          onSale: () => Object.entries(prices).map(([id, p]) => ({ id, ...p })),
        },
        Item: {
          __resolveReference: (ref: { id: string }) => (prices[ref.id] ? { id: ref.id, ...prices[ref.id] } : null),
        },
      },
    },
  ],
  queries: [
    { name: "interface list with interface object fields", query: `{ items { id sku price discounted } }` },
    {
      name: "implementation fields and interface object fields",
      query: `{ items { __typename ... on Shoe { size } ... on Hat { color } price } }`,
    },
    {
      name: "root field of the interface object subgraph",
      query: `{ cheapest { id price sku ... on Hat { color } } }`,
    },
    { name: "root field of the interface object with typename", query: `{ cheapest { __typename id } }` },
    { name: "interface object list, fragments only", query: `{ onSale { ... on Shoe { sku size } ... on Hat { sku } } }` },
    {
      name: "interface object root field, fragment with typename on an implementation",
      query: `{ cheapest { ... on Hat { __typename color } price } }`,
    },
    { name: "interface object list, typename in fragments only", query: `{ onSale { ... on Shoe { __typename } discounted } }` },
    {
      name: "interface object, named fragments on the interface and an implementation",
      query: `query Parts { cheapest { ...ItemParts } onSale { ...HatParts price } } fragment ItemParts on Item { price ...HatParts } fragment HatParts on Hat { sku color }`,
    },
    {
      name: "interface list, named fragment on an implementation only",
      query: `query Shoes { items { ...ShoeParts } } fragment ShoeParts on Shoe { size price discounted }`,
    },
    { name: "single item by id, missing", query: `{ item(id: "zz") { id price } }` },
    {
      name: "single item by variable, price only",
      query: `query Price($id: ID!) { item(id: $id) { price } }`,
      variables: { id: "s1" },
    },
  ],
};
