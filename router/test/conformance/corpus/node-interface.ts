import type { ConformanceSupergraph } from "../corpus-types.ts";
import { federated } from "./link.ts";

// The Relay `Node` pattern: `interface Node { id: ID! }` and a shareable `node(id)` in two subgraphs, each of which
// can resolve every id (it knows both entity types by key), while each type's own fields live in one subgraph.

const users: Record<string, { name: string }> = { u1: { name: "Ada" }, u2: { name: "Brian" } };
const posts: Record<string, { title: string; authorId: string }> = {
  p1: { title: "Hello", authorId: "u1" },
  p2: { title: "Again", authorId: "u1" },
  p3: { title: "Orphan", authorId: "u7" },
};

const typeOf = (id: string) => (users[id] ? "User" : posts[id] ? "Post" : null);
const nodeRef = (id: string) => {
  const typename = typeOf(id);
  return typename ? { __typename: typename, id } : null;
};

const usersSdl = federated(
  ["@key", "@shareable"],
  /* GraphQL */ `
    interface Node {
      id: ID!
    }
    type User implements Node @key(fields: "id") {
      id: ID!
      name: String!
    }
    type Post implements Node @key(fields: "id") {
      id: ID!
    }
    type Query {
      node(id: ID!): Node @shareable
      users: [User!]!
    }
  `,
);

const postsSdl = federated(
  ["@key", "@shareable"],
  /* GraphQL */ `
    interface Node {
      id: ID!
    }
    type Post implements Node @key(fields: "id") {
      id: ID!
      title: String!
      author: User
    }
    type User implements Node @key(fields: "id") {
      id: ID!
      posts: [Post!]!
    }
    type Query {
      node(id: ID!): Node @shareable
      nodes(ids: [ID!]!): [Node]!
    }
  `,
);

export const nodeInterface: ConformanceSupergraph = {
  name: "node-interface",
  covers: "Node-style interface: node(id) resolved by several subgraphs, implementations in different subgraphs",
  subgraphs: [
    {
      name: "users",
      sdl: usersSdl,
      resolvers: {
        Query: {
          node: (_: unknown, args: { id: string }) => {
            const ref = nodeRef(args.id);
            return ref?.__typename === "User" ? { ...ref, ...users[args.id] } : ref;
          },
          users: () => Object.keys(users).map((id) => ({ id, ...users[id] })),
        },
        Node: { __resolveType: (n: { __typename: string }) => n.__typename },
        User: { __resolveReference: (ref: { id: string }) => (users[ref.id] ? { id: ref.id, ...users[ref.id] } : null) },
        Post: { __resolveReference: (ref: { id: string }) => (posts[ref.id] ? { id: ref.id } : null) },
      },
    },
    {
      name: "posts",
      sdl: postsSdl,
      resolvers: {
        Query: {
          node: (_: unknown, args: { id: string }) => nodeRef(args.id),
          nodes: (_: unknown, args: { ids: string[] }) => args.ids.map(nodeRef),
        },
        Node: { __resolveType: (n: { __typename: string }) => n.__typename },
        Post: {
          __resolveReference: (ref: { id: string }) => (posts[ref.id] ? { id: ref.id } : null),
          title: (p: { id: string }) => posts[p.id]!.title,
          author: (p: { id: string }) => ({ id: posts[p.id]!.authorId }),
        },
        User: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          posts: (u: { id: string }) =>
            Object.keys(posts)
              .filter((id) => posts[id]!.authorId === u.id)
              .map((id) => ({ id })),
        },
      },
    },
  ],
  queries: [
    { name: "node id only", query: `{ node(id: "u1") { id } }` },
    { name: "node typename only", query: `{ node(id: "p1") { __typename } }` },
    {
      name: "node with fragments on types of both subgraphs",
      query: `{ node(id: "u1") { id ... on User { name posts { title } } ... on Post { title } } }`,
    },
    {
      name: "node of a post with its author",
      query: `query N($id: ID!) { node(id: $id) { __typename ... on Post { title author { name } } } }`,
      variables: { id: "p2" },
    },
    { name: "unknown node", query: `{ node(id: "zzz") { id ... on User { name } } }` },
    {
      name: "aliased nodes of different types, fragments only",
      query: `{ a: node(id: "u2") { ... on User { name } } b: node(id: "p1") { ... on Post { title } } }`,
    },
    {
      name: "nodes list with nulls and named fragments",
      query: `
        query Many { nodes(ids: ["p1", "nope", "u1", "p3"]) { ...Ident ...UserName ...PostTitle } }
        fragment Ident on Node { id __typename }
        fragment UserName on User { name }
        fragment PostTitle on Post { title author { id name } }
      `,
      expectErrors: true,
    },
    { name: "users with posts, no node", query: `{ users { id name posts { id title } } }` },
  ],
};
