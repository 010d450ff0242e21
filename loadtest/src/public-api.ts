// Benchmarks' clients of the router's public API: one GraphQL call, bounded parallelism, and the seeding of a viewer
// who follows authors with posts (what feed reads need), shared by feed-read.ts and the bench.
import { until } from "./bench-services.ts";

export async function routerGql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as { data?: T; errors?: unknown };
  if (result.errors || !result.data) throw new Error(`${query.slice(0, 40)}…: ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

export interface FollowedAuthors {
  viewer: { id: string; token: string };
  authors: Array<{ id: string; token: string }>;
  /** The newest `feedSize` posts, newest first: what the viewer's feed shows once fan-out caught up. */
  newestPostIds: string[];
}

/**
 * Sign-ups, follows and posts through the router: `authors` authors with `postsPerAuthor` posts each, one viewer
 * following them all; resolves once the viewer's first `feedSize` feed entries are the newest posts.
 */
export async function seedFollowedAuthors(
  url: string,
  options: { authors: number; postsPerAuthor: number; handlePrefix: string; feedSize: number },
): Promise<FollowedAuthors> {
  const gql = <T>(query: string, variables: Record<string, unknown>, token?: string) =>
    routerGql<T>(url, query, variables, token);
  const accounts = await inParallel(
    Array.from({ length: options.authors + 1 }, (_, i) => i),
    8,
    async (i) => {
      const handle = `${options.handlePrefix}_${i}`;
      const { signUp } = await gql<{ signUp: { token: string; user: { id: string } } }>(
        "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }",
        { input: { email: `${handle}@bench.local`, password: "bench-password-1", handle, displayName: handle } },
      );
      return { token: signUp.token, id: signUp.user.id };
    },
  );
  const [viewer, ...authors] = accounts as [(typeof accounts)[0], ...typeof accounts];
  await inParallel(authors, 8, (author) =>
    gql("mutation ($id: ID!) { follow(userId: $id) { id } }", { id: author.id }, viewer.token),
  );
  const jobs = authors.flatMap((author) => Array.from({ length: options.postsPerAuthor }, (_, n) => ({ author, n })));
  const postIds = await inParallel(jobs, 16, async ({ author, n }) => {
    const { createPost } = await gql<{ createPost: { id: string } }>(
      "mutation ($body: String!) { createPost(input: { body: $body }) { id } }",
      { body: `post ${n} by ${author.id}: ${"lorem ipsum ".repeat(8)}` },
      author.token,
    );
    return createPost.id;
  });
  const newestPostIds = [...postIds].sort().reverse().slice(0, options.feedSize);
  await until(async () => {
    const { feed } = await gql<{ feed: { edges: Array<{ node: { id: string } }> } }>(
      "query ($first: Int!) { feed(first: $first) { edges { node { id } } } }",
      { first: options.feedSize },
      viewer.token,
    );
    return feed.edges.map((e) => e.node.id).join() === newestPostIds.join();
  }, "the viewer's feed to hold the newest posts (fan-out and follow projection caught up)");
  return { viewer, authors, newestPostIds };
}
