import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// @shareable fields and value types resolved by two subgraphs (same values), and @override moving a field from
// `legacy` to `places` (legacy still has a resolver that answers wrongly, so using it would show).

const locations: Array<{ id: string; name: string; lat: number; lng: number; rating: number | null; tags: string[] }> = [
  { id: "l1", name: "Harbour", lat: 1.5, lng: -2.25, rating: 4.5, tags: ["sea", "view"] },
  { id: "l2", name: "Mill", lat: 0, lng: 10, rating: null, tags: [] },
];
const find = (id: string) => locations.find((l) => l.id === id) ?? null;

const placesSdl = federated(
  ["@key", "@shareable", "@override"],
  /* GraphQL */ `
    type Location @key(fields: "id") {
      id: ID!
      name: String! @shareable
      coordinates: Coordinates! @shareable
      rating: Float @override(from: "legacy")
    }
    type Coordinates @shareable {
      lat: Float!
      lng: Float!
    }
    type Query {
      locations: [Location!]!
    }
  `,
);

const legacySdl = federated(
  ["@key", "@shareable"],
  /* GraphQL */ `
    type Location @key(fields: "id") {
      id: ID!
      name: String! @shareable
      coordinates: Coordinates! @shareable
      rating: Float
      tags: [String!]!
    }
    type Coordinates @shareable {
      lat: Float!
      lng: Float!
    }
    type Query {
      location(id: ID!): Location
      tagged(tag: String!): [Location!]!
    }
  `,
);

const out = (l: (typeof locations)[number] | null) =>
  l && { id: l.id, name: l.name, coordinates: { lat: l.lat, lng: l.lng }, rating: l.rating, tags: l.tags };

export const shareableOverride: ConformanceSupergraph = {
  name: "shareable-override",
  covers: "@shareable fields and value types in two subgraphs, @override of a field",
  subgraphs: [
    {
      name: "places",
      sdl: placesSdl,
      resolvers: {
        Query: { locations: () => locations.map(out) },
        Location: { __resolveReference: (ref: { id: string }) => out(find(ref.id)) },
      },
    },
    {
      name: "legacy",
      sdl: legacySdl,
      resolvers: {
        Query: {
          location: (_: unknown, args: { id: string }) => out(find(args.id)),
          tagged: (_: unknown, args: { tag: string }) => locations.filter((l) => l.tags.includes(args.tag)).map(out),
        },
        // Overridden: the planner must never ask legacy for `rating`.
        Location: { __resolveReference: (ref: { id: string }) => out(find(ref.id)), rating: () => -1 },
      },
    },
  ],
  queries: [
    { name: "shareable fields from the root subgraph", query: `{ locations { id name coordinates { lat lng } } }` },
    { name: "overridden field from the new owner", query: `{ locations { id rating } }` },
    { name: "overridden field via the old owner's root", query: `{ location(id: "l1") { name rating tags } }` },
    { name: "overridden field, null", query: `{ location(id: "l2") { rating coordinates { lat } } }` },
    { name: "shareable value type and a list from the other subgraph", query: `{ locations { tags coordinates { lng } } }` },
    {
      name: "two root fields in different subgraphs",
      query: `{ a: location(id: "l2") { id name } b: locations { name } c: tagged(tag: "sea") { rating } }`,
    },
  ],
};
