import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// Nested lists of entities (with nulls at each level) completed by a second subgraph, and mutations of two
// subgraphs in one operation (run in order). The mutations are idempotent: they set what is already there.

const books: Record<string, { isbn: string; title: string }> = {
  "111": { isbn: "111", title: "Odyssey" },
  "222": { isbn: "222", title: "Iliad" },
  "333": { isbn: "333", title: "Aeneid" },
};
const loans: Record<string, Array<{ who: string; days: number | null }>> = {
  "111": [{ who: "ada", days: 3 }],
  "222": [],
  "333": [
    { who: "bob", days: null },
    { who: "cy", days: 14 },
  ],
};
const ref = (isbn: string | null) => (isbn === null ? null : (books[isbn] ?? { isbn, title: "(unknown)" }));

const librarySdl = federated(
  ["@key"],
  /* GraphQL */ `
    type Book @key(fields: "isbn") {
      isbn: String!
      title: String!
    }
    type Shelf {
      label: String!
      rows: [[Book]]
    }
    type Query {
      shelves: [Shelf!]!
      grid: [[Book!]!]!
      maybe: [[Book]]
    }
    type Mutation {
      retitle(isbn: String!, title: String!): Book
    }
  `,
);

const loansSdl = federated(
  ["@key"],
  /* GraphQL */ `
    type Book @key(fields: "isbn") {
      isbn: String!
      loans: [Loan!]!
      available: Boolean!
    }
    type Loan {
      who: String!
      days: Int
    }
    type Mutation {
      renew(isbn: String!): Book
    }
  `,
);

export const lists: ConformanceSupergraph = {
  name: "lists",
  covers: "nested lists of entities with nulls across subgraphs, mutations of two subgraphs in one operation",
  subgraphs: [
    {
      name: "library",
      sdl: librarySdl,
      resolvers: {
        Query: {
          shelves: () => [
            { label: "A", rows: [["111", "222"], null, ["333", null]].map((row) => row && row.map(ref)) },
            { label: "B", rows: null },
            { label: "C", rows: [] },
          ],
          grid: () => [["111"], ["222", "333"], []].map((row) => row.map(ref)),
          maybe: () => [null, ["999", null]].map((row) => row && row.map(ref)),
        },
        Mutation: {
          retitle: (_: unknown, args: { isbn: string; title: string }) => {
            const book = books[args.isbn];
            if (book) book.title = args.title;
            return book ?? null;
          },
        },
        Book: { __resolveReference: (r: { isbn: string }) => books[r.isbn] ?? null },
      },
    },
    {
      name: "loans",
      sdl: loansSdl,
      resolvers: {
        Mutation: { renew: (_: unknown, args: { isbn: string }) => (books[args.isbn] ? { isbn: args.isbn } : null) },
        Book: {
          __resolveReference: (r: { isbn: string }) => ({ isbn: r.isbn }),
          loans: (b: { isbn: string }) => loans[b.isbn] ?? [],
          available: (b: { isbn: string }) => (loans[b.isbn] ?? []).length === 0,
        },
      },
    },
  ],
  queries: [
    { name: "nested lists with nulls, one subgraph", query: `{ shelves { label rows { isbn title } } }` },
    { name: "nested lists with nulls, entity fields", query: `{ shelves { rows { title available loans { who days } } } }` },
    { name: "non-null nested lists of entities", query: `{ grid { isbn available } }` },
    { name: "nullable nested list, unknown entity", query: `{ maybe { isbn title available } }` },
    {
      name: "mutation answered through an entity fetch",
      query: `mutation { renew(isbn: "333") { isbn title loans { who } } }`,
    },
    {
      name: "two mutations of two subgraphs, in order",
      query: `mutation Both($t: String!) { first: retitle(isbn: "111", title: $t) { title available } then: renew(isbn: "111") { loans { days } title } missing: renew(isbn: "000") { isbn } }`,
      variables: { t: "Odyssey" },
    },
  ],
};
