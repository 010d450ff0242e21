// The four subgraphs of the e-commerce workload, shaped like the public gateways benchmark: accounts owns users,
// products owns products, reviews links both (and @provides usernames), inventory computes shipping from a product's
// price and weight it gets through @requires.
import { inStock, products, reviews, users, type Product, type User } from "./data.ts";

export const ECOMMERCE_SUBGRAPHS = ["accounts", "products", "reviews", "inventory"] as const;
export type EcommerceSubgraph = (typeof ECOMMERCE_SUBGRAPHS)[number];

const link = (imports: readonly string[]) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports.map((n) => `"${n}"`).join(", ")}])`;

const usersById = new Map(users.map((user) => [user.id, user]));
const productsByUpc = new Map(products.map((product) => [product.upc, product]));
const reviewsOf = (key: "authorId" | "productUpc", value: string) => reviews.filter((review) => review[key] === value);

interface SubgraphDefinition {
  sdl: string;
  resolvers: Record<string, Record<string, unknown>>;
}

export const ecommerceSubgraphs: Record<EcommerceSubgraph, SubgraphDefinition> = {
  accounts: {
    sdl: `${link(["@key", "@shareable"])}
      type Query {
        me: User
        user(id: ID!): User
        users: [User]
      }
      type User @key(fields: "id") {
        id: ID!
        name: String
        username: String @shareable
        birthday: Int
      }`,
    resolvers: {
      Query: {
        me: () => users[0],
        user: (_: unknown, { id }: { id: string }) => usersById.get(id) ?? null,
        users: () => users,
      },
      User: { __resolveReference: ({ id }: { id: string }) => usersById.get(id) ?? null },
    },
  },
  products: {
    sdl: `${link(["@key"])}
      type Query {
        topProducts(first: Int = 5): [Product]
      }
      type Product @key(fields: "upc") {
        upc: String!
        name: String
        price: Int
        weight: Int
      }`,
    resolvers: {
      Query: { topProducts: (_: unknown, { first }: { first: number }) => products.slice(0, Math.max(0, first)) },
      Product: { __resolveReference: ({ upc }: { upc: string }) => productsByUpc.get(upc) ?? null },
    },
  },
  reviews: {
    sdl: `${link(["@key", "@external", "@provides"])}
      type Review @key(fields: "id") {
        id: ID!
        body: String
        author: User @provides(fields: "username")
        product: Product
      }
      type User @key(fields: "id") {
        id: ID!
        username: String @external
        reviews: [Review]
      }
      type Product @key(fields: "upc") {
        upc: String!
        reviews: [Review]
      }`,
    resolvers: {
      Review: {
        author: (review: { authorId: string }) => ({ id: review.authorId, username: usersById.get(review.authorId)?.username }),
        product: (review: { productUpc: string }) => ({ upc: review.productUpc }),
      },
      User: { reviews: (user: Pick<User, "id">) => reviewsOf("authorId", user.id) },
      Product: { reviews: (product: Pick<Product, "upc">) => reviewsOf("productUpc", product.upc) },
    },
  },
  inventory: {
    sdl: `${link(["@key", "@external", "@requires"])}
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int @external
        price: Int @external
        inStock: Boolean
        shippingEstimate: Int @requires(fields: "price weight")
      }`,
    resolvers: {
      Product: {
        __resolveReference: (reference: Pick<Product, "upc"> & Partial<Product>) => reference,
        inStock: (product: Pick<Product, "upc">) => inStock(product.upc),
        // Free above 1000, else half the weight: needs both fields from the products subgraph.
        shippingEstimate: (product: Partial<Product>) =>
          product.price === undefined || product.weight === undefined
            ? null
            : product.price > 1000
              ? 0
              : Math.round(product.weight / 2),
      },
    },
  },
};
