import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// An interface and a union whose members are entities completed by a second subgraph; fragments on abstract and
// concrete types, named and inline, with and without `__typename`.

const books = [
  { id: "b1", title: "Dune", pages: 412 },
  { id: "b2", title: "Emma", pages: null },
];
const movies = [{ id: "m1", title: "Alien", minutes: 117 }];
const authors = [{ id: "a1", name: "Herbert" }];
const reviews: Record<string, Array<{ stars: number; body: string | null }>> = {
  b1: [
    { stars: 5, body: "classic" },
    { stars: 3, body: null },
  ],
  b2: [],
  m1: [{ stars: 4, body: "tense" }],
};

const catalogSdl = federated(
  ["@key"],
  /* GraphQL */ `
    interface Media {
      id: ID!
      title: String!
    }
    type Book implements Media @key(fields: "id") {
      id: ID!
      title: String!
      pages: Int
    }
    type Movie implements Media @key(fields: "id") {
      id: ID!
      title: String!
      minutes: Int
    }
    type Author @key(fields: "id") {
      id: ID!
      name: String!
    }
    union SearchResult = Book | Movie | Author
    type Query {
      media: [Media!]!
      mediaById(id: ID!): Media
      search(term: String!): [SearchResult!]!
    }
  `,
);

const reviewsSdl = federated(
  ["@key"],
  /* GraphQL */ `
    type Book @key(fields: "id") {
      id: ID!
      reviews: [Review!]!
    }
    type Movie @key(fields: "id") {
      id: ID!
      reviews: [Review!]!
    }
    type Review {
      stars: Int!
      body: String
    }
  `,
);

const media = [...books.map((b) => ({ ...b, kind: "Book" })), ...movies.map((m) => ({ ...m, kind: "Movie" }))];

export const abstractTypes: ConformanceSupergraph = {
  name: "abstract-types",
  covers: "interfaces and unions across subgraphs, inline and named fragments, root and aliased __typename",
  subgraphs: [
    {
      name: "catalog",
      sdl: catalogSdl,
      resolvers: {
        Query: {
          media: () => media,
          mediaById: (_: unknown, args: { id: string }) => media.find((m) => m.id === args.id) ?? null,
          search: (_: unknown, args: { term: string }) =>
            [...media, ...authors.map((a) => ({ ...a, kind: "Author" }))].filter((item) =>
              JSON.stringify(item).toLowerCase().includes(args.term.toLowerCase()),
            ),
        },
        Media: { __resolveType: (m: { kind: string }) => m.kind },
        SearchResult: { __resolveType: (m: { kind: string }) => m.kind },
        Book: { __resolveReference: (ref: { id: string }) => books.find((b) => b.id === ref.id) ?? null },
        Movie: { __resolveReference: (ref: { id: string }) => movies.find((m) => m.id === ref.id) ?? null },
        Author: { __resolveReference: (ref: { id: string }) => authors.find((a) => a.id === ref.id) ?? null },
      },
    },
    {
      name: "reviews",
      sdl: reviewsSdl,
      resolvers: {
        Book: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          reviews: (b: { id: string }) => reviews[b.id] ?? [],
        },
        Movie: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          reviews: (m: { id: string }) => reviews[m.id] ?? [],
        },
      },
    },
  ],
  queries: [
    {
      name: "interface fields only",
      query: `{ media { id title } }`,
    },
    {
      name: "interface with inline fragments across subgraphs",
      query: `{ media { __typename id ... on Book { pages reviews { stars body } } ... on Movie { minutes reviews { stars } } } }`,
    },
    {
      name: "interface selected only through fragments",
      query: `{ media { ... on Book { title pages } ... on Movie { title } } }`,
    },
    {
      name: "named fragments on interface and concrete types",
      query: `
        query Named { media { ...MediaParts ...BookParts } }
        fragment MediaParts on Media { id title }
        fragment BookParts on Book { reviews { stars } }
      `,
    },
    {
      name: "union with typename and aliased typename",
      query: `{ search(term: "e") { __typename ... on Book { id t: __typename } ... on Author { name } ... on Movie { title } } }`,
    },
    {
      name: "root typename with union and aliased typename",
      query: `{ __typename search(term: "dune") { __typename ... on Book { x: __typename } } }`,
    },
    {
      name: "union selected only through fragments",
      query: `{ search(term: "a") { ... on Book { title reviews { stars } } ... on Movie { title } } }`,
    },
    {
      name: "nullable abstract field resolving to null",
      query: `{ mediaById(id: "nope") { id title } }`,
    },
    {
      name: "abstract field by variable with fragment spread",
      query: `query One($id: ID!) { mediaById(id: $id) { ...on Movie { minutes reviews { body } } id } }`,
      variables: { id: "m1" },
    },
    {
      name: "typename only inside fragments",
      query: `{ media { ... on Book { __typename title } ... on Movie { id } } }`,
    },
    {
      name: "typename inside a named fragment, not beside it",
      query: `query T { search(term: "i") { ...Kinds } } fragment Kinds on SearchResult { ... on Movie { __typename id } ... on Author { __typename } }`,
    },
    {
      name: "the same entity fetch at two aliases",
      query: `{ a: mediaById(id: "b1") { ... on Book { reviews { stars } } } b: mediaById(id: "b1") { ... on Book { reviews { stars } } } }`,
    },
    {
      name: "nested fragments on abstract type",
      query: `{ media { ... on Media { ... on Book { id ... on Book { reviews { stars } } } } } }`,
    },
  ],
};
