import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// `Node` as it often appears in the wild: each subgraph declares `interface Node` with only the implementations it
// knows (`accounts` has no Order) and a shareable `node(id)` that finds only its own ids. Which subgraph the planner
// asks decides what `node` can return; whatever stock answers is the expected answer.

const accounts: Record<string, { email: string }> = { "acc-1": { email: "a@example.com" }, "acc-2": { email: "b@example.com" } };
const orders: Record<string, { total: number; accountId: string }> = {
  "ord-1": { total: 30, accountId: "acc-1" },
  "ord-2": { total: 12, accountId: "acc-9" },
};

const accountsSdl = federated(
  ["@key", "@shareable"],
  /* GraphQL */ `
    interface Node {
      id: ID!
    }
    type Account implements Node @key(fields: "id") {
      id: ID!
      email: String!
    }
    type Query {
      node(id: ID!): Node @shareable
      account(id: ID!): Account
    }
  `,
);

const ordersSdl = federated(
  ["@key", "@shareable"],
  /* GraphQL */ `
    interface Node {
      id: ID!
    }
    type Order implements Node @key(fields: "id") {
      id: ID!
      total: Int!
      account: Account
    }
    type Account implements Node @key(fields: "id") {
      id: ID!
      orders: [Order!]!
    }
    type Query {
      node(id: ID!): Node @shareable
      orders: [Order!]!
    }
  `,
);

export const nodePartial: ConformanceSupergraph = {
  name: "node-partial",
  covers: "Node interface declared per subgraph with only its own implementations, node(id) shareable",
  subgraphs: [
    {
      name: "accounts",
      sdl: accountsSdl,
      resolvers: {
        Query: {
          node: (_: unknown, args: { id: string }) =>
            accounts[args.id] ? { __typename: "Account", id: args.id, ...accounts[args.id] } : null,
          account: (_: unknown, args: { id: string }) => (accounts[args.id] ? { id: args.id, ...accounts[args.id] } : null),
        },
        Node: { __resolveType: (n: { __typename: string }) => n.__typename },
        Account: {
          __resolveReference: (ref: { id: string }) => (accounts[ref.id] ? { id: ref.id, ...accounts[ref.id] } : null),
        },
      },
    },
    {
      name: "orders",
      sdl: ordersSdl,
      resolvers: {
        Query: {
          node: (_: unknown, args: { id: string }) =>
            orders[args.id]
              ? { __typename: "Order", id: args.id, ...orders[args.id] }
              : args.id.startsWith("acc-")
                ? { __typename: "Account", id: args.id }
                : null,
          orders: () => Object.keys(orders).map((id) => ({ id, ...orders[id] })),
        },
        Node: { __resolveType: (n: { __typename: string }) => n.__typename },
        Order: {
          __resolveReference: (ref: { id: string }) => (orders[ref.id] ? { id: ref.id, ...orders[ref.id] } : null),
          account: (o: { accountId: string }) => ({ id: o.accountId }),
        },
        Account: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          orders: (a: { id: string }) =>
            Object.keys(orders)
              .filter((id) => orders[id]!.accountId === a.id)
              .map((id) => ({ id, ...orders[id] })),
        },
      },
    },
  ],
  queries: [
    // Stock's planner asks \`accounts\` for \`node\`, so an order id reads as null: that is the expected answer here.
    { name: "node of the first subgraph's type", query: `{ node(id: "acc-1") { id ... on Account { email } } }` },
    { name: "node of the second subgraph's type", query: `{ node(id: "ord-1") { id ... on Order { total } } }` },
    {
      name: "node with fragments on both types",
      query: `{ node(id: "acc-2") { __typename ... on Account { email orders { total } } ... on Order { total } } }`,
    },
    { name: "node selected only through a fragment", query: `{ node(id: "ord-1") { ... on Order { total } } }` },
    {
      name: "node, named fragments on the interface and a type",
      query: `query N { node(id: "ord-2") { ...NodeId ...OrderParts } } fragment NodeId on Node { id __typename } fragment OrderParts on Order { total account { email } }`,
    },
    { name: "orders with accounts, one unknown", query: `{ orders { id total account { id email } } }`, expectErrors: true },
    { name: "account with its orders", query: `{ account(id: "acc-1") { email orders { id total } } }` },
  ],
};
