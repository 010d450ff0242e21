import { GraphQLError } from "graphql";
import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// @inaccessible enum values a subgraph still returns (the gateway must turn them into null with an error) and
// @inaccessible fields (not in the API schema at all), in single-fetch and multi-fetch queries.

const accounts = [
  { id: "1", name: "Ada", status: "ACTIVE", maybeStatus: "SUSPENDED", roles: ["ADMIN", "USER"] },
  { id: "2", name: "Brian", status: "SUSPENDED", maybeStatus: null, roles: ["USER"] },
  { id: "3", name: "Cleo", status: "LEGACY", maybeStatus: "LEGACY", roles: ["USER", "ROOT"] },
];

const accountsSdl = federated(
  ["@key", "@inaccessible"],
  /* GraphQL */ `
    enum Status {
      ACTIVE
      SUSPENDED
      LEGACY @inaccessible
    }
    enum Role {
      ADMIN
      USER
      ROOT @inaccessible
    }
    type Account @key(fields: "id") {
      id: ID!
      name: String!
      status: Status!
      maybeStatus: Status
      roles: [Role]
      internalNote: String @inaccessible
    }
    type Query {
      account(id: ID!): Account
      "Account 3, without arguments: the planner's fetch is then exactly the client's selection."
      legacyAccount: Account
      legacyStatus: Status
      accounts: [Account!]!
      statusOf(id: ID!): Status
      accountsWithStatus(status: Status!): [Account!]!
    }
  `,
);

const auditSdl = federated(
  ["@key"],
  /* GraphQL */ `
    type Account @key(fields: "id") {
      id: ID!
      lastLogin: String
    }
  `,
);

const find = (id: string) => accounts.find((a) => a.id === id) ?? null;

export const inaccessible: ConformanceSupergraph = {
  name: "inaccessible",
  covers: "@inaccessible enum values returned by a subgraph and @inaccessible fields, single-fetch and multi-fetch",
  subgraphs: [
    {
      name: "accounts",
      sdl: accountsSdl,
      resolvers: {
        Query: {
          account: (_: unknown, args: { id: string }) => find(args.id),
          accounts: () => accounts,
          legacyAccount: () => find("3"),
          legacyStatus: () => "LEGACY",
          statusOf: (_: unknown, args: { id: string }) => find(args.id)?.status ?? null,
          accountsWithStatus: (_: unknown, args: { status: string }) => {
            if (!["ACTIVE", "SUSPENDED", "LEGACY"].includes(args.status))
              throw new GraphQLError("bad status", { extensions: { code: "BAD_USER_INPUT" } });
            return accounts.filter((a) => a.status === args.status);
          },
        },
        Account: {
          __resolveReference: (ref: { id: string }) => find(ref.id),
          internalNote: () => "secret",
        },
      },
    },
    {
      name: "audit",
      sdl: auditSdl,
      resolvers: {
        Account: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          lastLogin: (a: { id: string }) => `2026-01-0${a.id}`,
        },
      },
    },
  ],
  queries: [
    {
      name: "single fetch, nullable inaccessible enum value",
      query: `{ account(id: "3") { id maybeStatus } }`,
      expectErrors: true,
    },
    {
      name: "single fetch, non-null inaccessible enum value",
      query: `{ account(id: "3") { id status } }`,
      expectErrors: true,
    },
    {
      name: "single fetch, root enum field with inaccessible value",
      query: `{ statusOf(id: "3") }`,
      expectErrors: true,
    },
    {
      name: "single fetch without arguments, nullable inaccessible enum value",
      query: `{ legacyAccount { id maybeStatus } }`,
      expectErrors: true,
    },
    {
      name: "single fetch without arguments, non-null inaccessible enum value",
      query: `{ legacyAccount { name status } }`,
      expectErrors: true,
    },
    { name: "single fetch, root enum field returning an inaccessible value", query: `{ legacyStatus }`, expectErrors: true },
    {
      name: "single fetch with typename, inaccessible enum value",
      query: `{ __typename legacyAccount { __typename maybeStatus } }`,
      expectErrors: true,
    },
    { name: "single fetch, accessible enum values", query: `{ account(id: "1") { name status maybeStatus } }` },
    {
      name: "single fetch, list of enums with an inaccessible value",
      query: `{ accounts { id roles } }`,
      expectErrors: true,
    },
    {
      name: "multi fetch, inaccessible enum value",
      query: `{ accounts { id lastLogin maybeStatus } }`,
      expectErrors: true,
    },
    {
      name: "multi fetch, non-null inaccessible enum in a list",
      query: `{ accounts { name status lastLogin } }`,
      expectErrors: true,
    },
    {
      name: "inaccessible field is not in the API schema",
      query: `{ account(id: "1") { id internalNote } }`,
      expectErrors: true,
    },
    {
      name: "inaccessible enum value as an argument",
      query: `{ accountsWithStatus(status: LEGACY) { id } }`,
      expectErrors: true,
    },
    {
      name: "inaccessible enum value as a variable",
      query: `query ByStatus($s: Status!) { accountsWithStatus(status: $s) { id } }`,
      variables: { s: "LEGACY" },
      expectErrors: true,
    },
    {
      name: "introspection hides inaccessible fields and enum values",
      query: `{ a: __type(name: "Account") { fields { name } } s: __type(name: "Status") { enumValues { name } } }`,
    },
    {
      name: "accessible enum value as a variable",
      query: `query ByStatus($s: Status!) { accountsWithStatus(status: $s) { id name status } }`,
      variables: { s: "SUSPENDED" },
    },
  ],
};
