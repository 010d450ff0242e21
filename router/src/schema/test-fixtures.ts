/** Small inline subgraphs for the schema tooling's unit tests. */
export const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])`;

export const accountsV1 = `${LINK}
type User @key(fields: "id") {
  id: ID!
  handle: String!
  bio: String
}
enum Role { ADMIN MEMBER }
type Query {
  user(id: ID!): User
  users(first: Int = 10): [User!]!
  roles: [Role!]!
}`;

export const reviewsV1 = `${LINK}
type User @key(fields: "id") {
  id: ID!
  reviews: [Review!]!
}
type Review {
  id: ID!
  body: String!
}`;
