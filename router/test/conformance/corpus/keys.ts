import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// Composite keys (flat and nested), a nullable key, several keys on one type, and entities whose
// `__resolveReference` returns null (nullable and non-null fields from the subgraph that knows nothing).

const members = [
  { orgId: "o1", login: "ada", displayName: "Ada L." },
  { orgId: "o1", login: "bob", displayName: null },
  { orgId: "o2", login: "ada", displayName: "Ada of o2" },
];
const seats: Record<string, { seat: string; floor: number }> = {
  "o1/ada": { seat: "A1", floor: 1 },
  "o2/ada": { seat: "Z9", floor: 9 },
};
const devices = [
  { id: "d1", serial: "S-1", region: { code: "eu" }, model: "X" },
  { id: "d2", serial: null, region: { code: "us" }, model: "Y" },
  { id: "d3", serial: "S-3", region: { code: "eu" }, model: "Z" },
];
const sensors = [
  { id: "s1", label: "door" },
  { id: null, label: "unregistered" },
  { id: "s3", label: "window" },
];
const readings: Record<string, number> = { s1: 20.5 };
const warranties: Record<string, string> = { "S-1": "2027", "S-3": "expired" };
const locations: Record<string, string> = { "d1/eu": "Berlin", "d3/eu": "Paris" };

const directorySdl = federated(
  ["@key"],
  /* GraphQL */ `
    type Member @key(fields: "orgId login") {
      orgId: ID!
      login: String!
      displayName: String
    }
    type Region {
      code: String!
    }
    type Device @key(fields: "id region { code }") @key(fields: "serial") {
      id: ID!
      serial: String
      region: Region!
      model: String!
    }
    "A key that can be null: a sensor without an id cannot be looked up anywhere else."
    type Sensor @key(fields: "id") {
      id: ID
      label: String!
    }
    type Query {
      members: [Member!]!
      devices: [Device!]!
      sensors: [Sensor!]!
    }
  `,
);

const officeSdl = federated(
  ["@key"],
  /* GraphQL */ `
    type Member @key(fields: "orgId login") {
      orgId: ID!
      login: String!
      seat: String
      floor: Int!
      "Owned here only: a member office does not know has no id (a client that never asks for it never notices)."
      id: ID!
    }
    type Sensor @key(fields: "id") {
      id: ID
      reading: Float
    }
    type Region {
      code: String!
    }
    type Device @key(fields: "id region { code }") {
      id: ID!
      region: Region!
      location: String
    }
  `,
);

const supportSdl = federated(
  ["@key"],
  /* GraphQL */ `
    type Device @key(fields: "serial") {
      serial: String
      warranty: String
    }
  `,
);

export const keys: ConformanceSupergraph = {
  name: "keys",
  covers: "composite and nested keys, a nullable key, two keys on one type, __resolveReference returning null",
  subgraphs: [
    {
      name: "directory",
      sdl: directorySdl,
      resolvers: {
        Query: { members: () => members, devices: () => devices, sensors: () => sensors },
        Sensor: { __resolveReference: (ref: { id: string | null }) => sensors.find((x) => x.id === ref.id) ?? null },
        Member: {
          __resolveReference: (ref: { orgId: string; login: string }) =>
            members.find((m) => m.orgId === ref.orgId && m.login === ref.login) ?? null,
        },
        Device: {
          __resolveReference: (ref: { id?: string; serial?: string }) =>
            devices.find((d) => (ref.id ? d.id === ref.id : d.serial === ref.serial)) ?? null,
        },
      },
    },
    {
      name: "office",
      sdl: officeSdl,
      resolvers: {
        Member: {
          __resolveReference: (ref: { orgId: string; login: string }) => {
            const seat = seats[`${ref.orgId}/${ref.login}`];
            return seat ? { ...ref, ...seat, id: `${ref.orgId}/${ref.login}` } : null;
          },
        },
        Sensor: {
          __resolveReference: (ref: { id: string | null }) =>
            ref.id !== null && readings[ref.id] !== undefined ? { id: ref.id, reading: readings[ref.id] } : null,
        },
        Device: {
          __resolveReference: (ref: { id: string; region: { code: string } }) => {
            const location = locations[`${ref.id}/${ref.region.code}`];
            return location ? { ...ref, location } : null;
          },
        },
      },
    },
    {
      name: "support",
      sdl: supportSdl,
      resolvers: {
        Device: {
          __resolveReference: (ref: { serial: string | null }) =>
            ref.serial && warranties[ref.serial] ? { serial: ref.serial, warranty: warranties[ref.serial] } : null,
        },
      },
    },
  ],
  queries: [
    { name: "composite key, nullable field, some entities null", query: `{ members { login orgId seat displayName } }` },
    {
      name: "composite key, non-null field of a null entity",
      query: `{ members { login floor } }`,
      expectErrors: true,
    },
    { name: "nested composite key", query: `{ devices { id model location region { code } } }` },
    { name: "nullable key: entity with a null key", query: `{ devices { id serial warranty } }` },
    { name: "two keys on one type in one query", query: `{ devices { model location warranty } }` },
    {
      name: "entity with an id owned by another subgraph, id not selected",
      query: `{ members { login displayName } }`,
    },
    {
      name: "entity with an id owned by another subgraph, through a fragment",
      query: `{ members { ... on Member { orgId seat } } }`,
    },
    { name: "nullable key, fields of the owner only", query: `{ sensors { label } }` },
    { name: "nullable key, field of another subgraph", query: `{ sensors { label reading } }` },
    { name: "nullable key selected", query: `{ sensors { id label reading } }` },
    { name: "key fields only, no other subgraph", query: `{ devices { id serial region { code } } }` },
  ],
};
