import { GraphQLError } from "graphql";
import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// Errors with partial data: resolvers that throw (uncoded and coded), non-null violations propagating to the
// nearest nullable parent, in the root subgraph and in an entity fetch to a second subgraph.

const items = [
  { id: "i1", label: "one" },
  { id: "i2", label: "two" },
  { id: "i3", label: "three" },
];

const mainSdl = federated(
  ["@key"],
  /* GraphQL */ `
    type Item @key(fields: "id") {
      id: ID!
      label: String!
    }
    type Wrapper {
      fine: String
      strict: String!
      loose: String
    }
    type Query {
      ok: String!
      boom: String
      forbidden: String
      nullForNonNull: String!
      wrapper: Wrapper
      items: [Item!]
      maybeItems: [Item]
    }
  `,
);

const extraSdl = federated(
  ["@key"],
  /* GraphQL */ `
    type Item @key(fields: "id") {
      id: ID!
      extra: String!
      soft: String
    }
  `,
);

export const errors: ConformanceSupergraph = {
  name: "errors",
  covers: "errors from one subgraph with partial data: thrown, coded, non-null violations, in entity fetches",
  subgraphs: [
    {
      name: "main",
      sdl: mainSdl,
      resolvers: {
        Query: {
          ok: () => "ok",
          boom: () => {
            throw new Error("boom in main");
          },
          forbidden: () => {
            throw new GraphQLError("Not for you", { extensions: { code: "FORBIDDEN" } });
          },
          nullForNonNull: () => null,
          wrapper: () => ({ fine: "fine", loose: null }),
          items: () => items,
          maybeItems: () => items,
        },
        Wrapper: {
          strict: () => {
            throw new Error("strict failed");
          },
        },
        Item: { __resolveReference: (ref: { id: string }) => items.find((i) => i.id === ref.id) ?? null },
      },
    },
    {
      name: "extra",
      sdl: extraSdl,
      resolvers: {
        Item: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          extra: (i: { id: string }) => {
            if (i.id === "i2") throw new Error("extra failed for i2");
            return `extra-${i.id}`;
          },
          soft: (i: { id: string }) => {
            if (i.id === "i3") throw new GraphQLError("soft not found", { extensions: { code: "NOT_FOUND" } });
            return `soft-${i.id}`;
          },
        },
      },
    },
  ],
  queries: [
    { name: "uncoded error with sibling data", query: `{ ok boom }`, expectErrors: true },
    { name: "coded error with sibling data", query: `{ ok forbidden }`, expectErrors: true },
    { name: "null for a non-null root field", query: `{ nullForNonNull ok }`, expectErrors: true },
    { name: "non-null violation nulls the parent", query: `{ ok wrapper { fine strict } }`, expectErrors: true },
    { name: "nullable field is fine", query: `{ wrapper { fine loose } }` },
    {
      name: "entity fetch error propagates through a non-null list",
      query: `{ ok items { id extra } }`,
      expectErrors: true,
    },
    {
      name: "entity fetch error in a nullable list",
      query: `{ maybeItems { id label extra } }`,
      expectErrors: true,
    },
    { name: "coded entity fetch error on a nullable field", query: `{ items { id soft } }`, expectErrors: true },
    {
      name: "the same failing entity fetch at two aliases",
      query: `{ a: maybeItems { id extra soft } b: maybeItems { id extra soft } }`,
      expectErrors: true,
    },
    {
      name: "errors from both subgraphs",
      query: `{ boom maybeItems { label soft extra } }`,
      expectErrors: true,
    },
  ],
};
