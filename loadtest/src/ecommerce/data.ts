// The e-commerce workload's data: users, products and reviews, generated deterministically (same ids and values in
// every run and every subgraph process), sized so the benchmark query's response is about 95 KB, like the public
// gateways benchmark's (87.6 KB).
export interface User {
  id: string;
  name: string;
  username: string;
  birthday: number;
}

export interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
}

export interface Review {
  id: string;
  body: string;
  authorId: string;
  productUpc: string;
}

const USERS = 12;
const PRODUCTS = 10;
const REVIEWS_PER_USER = 3;

export const users: readonly User[] = Array.from({ length: USERS }, (_, i) => ({
  id: String(i + 1),
  name: `User ${i + 1}`,
  username: `user_${i + 1}`,
  birthday: 1_000_000_000 + i * 86_400,
}));

export const products: readonly Product[] = Array.from({ length: PRODUCTS }, (_, i) => ({
  upc: String(i + 1),
  name: `Product ${i + 1}`,
  price: 100 + ((i * 397) % 1200),
  weight: 10 + ((i * 73) % 500),
}));

/** Every user reviews REVIEWS_PER_USER products and every product gets as many reviews, spread evenly. */
export const reviews: readonly Review[] = users.flatMap((user, u) =>
  Array.from({ length: REVIEWS_PER_USER }, (_, k) => {
    const n = u * REVIEWS_PER_USER + k;
    return {
      id: String(n + 1),
      body: `Review ${n + 1}: ${["solid", "flimsy", "great value", "would buy again"][n % 4]} — ${user.name}`,
      authorId: user.id,
      productUpc: products[(u + k * 3) % PRODUCTS]!.upc,
    };
  }),
);

export const inStock = (upc: string): boolean => Number(upc) % 3 !== 0;
