import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// An interface and a union whose implementations/members differ between subgraphs: each subgraph can only return
// the types it knows, fragments on the others must simply not match, and shared entities are completed elsewhere.

const dogs: Record<string, { name: string; barks: boolean; age: number | null }> = {
  d1: { name: "Rex", barks: true, age: 4 },
  d2: { name: "Fido", barks: false, age: null },
};
const cats: Record<string, { name: string }> = { c1: { name: "Tom" } };
const fish: Record<string, { fins: number }> = { f1: { fins: 3 } };

const landSdl = federated(
  ["@key"],
  /* GraphQL */ `
    interface Animal {
      id: ID!
    }
    type Dog implements Animal @key(fields: "id") {
      id: ID!
      name: String!
      barks: Boolean!
    }
    type Cat implements Animal @key(fields: "id") {
      id: ID!
      name: String!
    }
    union Pet = Dog | Cat
    type Query {
      animals: [Animal!]!
      pets: [Pet!]!
    }
  `,
);

const waterSdl = federated(
  ["@key"],
  /* GraphQL */ `
    interface Animal {
      id: ID!
    }
    type Dog implements Animal @key(fields: "id") {
      id: ID!
      age: Int
    }
    type Fish implements Animal @key(fields: "id") {
      id: ID!
      fins: Int!
    }
    union Pet = Dog | Fish
    type Query {
      zoo: [Animal!]!
      aquarium: [Pet!]!
    }
  `,
);

const land = [
  ...Object.keys(dogs).map((id) => ({ __typename: "Dog", id, ...dogs[id] })),
  ...Object.keys(cats).map((id) => ({ __typename: "Cat", id, ...cats[id] })),
];
const water = [
  ...Object.keys(fish).map((id) => ({ __typename: "Fish", id, ...fish[id] })),
  { __typename: "Dog", id: "d2", age: dogs.d2!.age },
  { __typename: "Dog", id: "d1", age: dogs.d1!.age },
];
const byTypename = { __resolveType: (value: { __typename: string }) => value.__typename };

export const abstractPartial: ConformanceSupergraph = {
  name: "abstract-partial",
  covers: "interfaces and unions whose implementations and members differ between subgraphs",
  subgraphs: [
    {
      name: "land",
      sdl: landSdl,
      resolvers: {
        Query: { animals: () => land, pets: () => land },
        Animal: byTypename,
        Pet: byTypename,
        Dog: { __resolveReference: (ref: { id: string }) => (dogs[ref.id] ? { id: ref.id, ...dogs[ref.id] } : null) },
        Cat: { __resolveReference: (ref: { id: string }) => (cats[ref.id] ? { id: ref.id, ...cats[ref.id] } : null) },
      },
    },
    {
      name: "water",
      sdl: waterSdl,
      resolvers: {
        Query: { zoo: () => water, aquarium: () => water },
        Animal: byTypename,
        Pet: byTypename,
        Dog: { __resolveReference: (ref: { id: string }) => (dogs[ref.id] ? { id: ref.id, age: dogs[ref.id]!.age } : null) },
        Fish: { __resolveReference: (ref: { id: string }) => (fish[ref.id] ? { id: ref.id, ...fish[ref.id] } : null) },
      },
    },
  ],
  queries: [
    {
      name: "interface with fragments on types of both subgraphs",
      query: `{ zoo { id ... on Dog { name barks age } ... on Cat { name } ... on Fish { fins } } }`,
    },
    { name: "interface, fragment on a type the subgraph lacks", query: `{ animals { __typename ... on Fish { fins } } }` },
    {
      name: "union with members of both subgraphs",
      query: `{ aquarium { __typename ... on Dog { name age } ... on Cat { name } ... on Fish { fins } } }`,
    },
    {
      name: "two roots, named fragment on the union",
      query: `query Pets { pets { ...PetName } aquarium { ...PetName } } fragment PetName on Pet { ... on Dog { id name } ... on Cat { id name } ... on Fish { id } }`,
    },
    { name: "union, fragments only, no typename", query: `{ pets { ... on Dog { age } } }` },
  ],
};
