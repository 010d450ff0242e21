// The bench's workloads: Plaza's supergraph (seeded through the public API) and the e-commerce one shaped like the
// public gateways benchmark. A workload is its request bodies; the gateways decide nothing about them.
import { ECOMMERCE_QUERY } from "../ecommerce/query.ts";
import { until } from "../bench-services.ts";
import { inParallel, routerGql, seedFollowedAuthors } from "../public-api.ts";

export const PLAZA_WORKLOAD_IDS = ["feed", "post", "user", "increment-counter"] as const;
export const WORKLOAD_IDS = [...PLAZA_WORKLOAD_IDS, "ecommerce"] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

export interface Workload {
  id: WorkloadId;
  title: string;
  /** Each connection sends these in turn. */
  bodies: string[];
  /** Fields compared by type only in the identical-data check (dotted paths, no list indices). */
  volatile?: string[];
  checkNote?: string;
}

const FEED = /* GraphQL */ `
  query Feed {
    feed(first: 20) {
      edges {
        cursor
        node {
          id
          body
          createdAt
          likeCount
          viewCount
          author {
            id
            handle
            displayName
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;
const POST = /* GraphQL */ `
  query PostById($id: ID!) {
    post(id: $id) {
      id
      body
      createdAt
      likeCount
      viewCount
      author {
        id
        handle
        displayName
        followerCount
      }
    }
  }
`;
const USER = /* GraphQL */ `
  query UserById($id: ID!) {
    user(id: $id) {
      id
      handle
      displayName
      followerCount
      followers(first: 20) {
        edges {
          node {
            id
            handle
            displayName
          }
        }
        pageInfo {
          hasNextPage
        }
      }
    }
  }
`;
const INCREMENT = /* GraphQL */ `
  mutation Increment($input: IncrementCounterInput!) {
    incrementCounter(input: $input) {
      resourceId
      type
      value
    }
  }
`;

export interface PlazaSeed {
  viewer: { id: string; token: string };
  /** Followed by every other author and the viewer. */
  popularAuthorId: string;
  /** The newest posts, newest first (what the viewer's feed shows). */
  newestPostIds: string[];
}

export function plazaWorkloads(seed: PlazaSeed): Workload[] {
  const body = (query: string, operationName: string, variables?: Record<string, unknown>) =>
    JSON.stringify({ query, operationName, ...(variables && { variables }) });
  return [
    { id: "feed", title: "feed(first: 20)", bodies: [body(FEED, "Feed")] },
    { id: "post", title: "post(id)", bodies: [body(POST, "PostById", { id: seed.newestPostIds[0] })] },
    { id: "user", title: "user(id) + followers", bodies: [body(USER, "UserById", { id: seed.popularAuthorId })] },
    {
      id: "increment-counter",
      title: "incrementCounter",
      // Views of the 20 newest posts in turn, as views of many posts would come.
      bodies: seed.newestPostIds.map((resourceId) =>
        body(INCREMENT, "Increment", { input: { resourceId, type: "VIEW", delta: 1 } }),
      ),
      volatile: ["incrementCounter.value"],
      checkNote: "a mutation: `value` grows with every call, so it is compared by type (number), the rest exactly",
    },
  ];
}

export const ECOMMERCE_WORKLOAD: Workload = {
  id: "ecommerce",
  title: "e-commerce TestQuery",
  bodies: [JSON.stringify({ query: ECOMMERCE_QUERY, operationName: "TestQuery" })],
};

/**
 * Sign-ups, follows and posts through the router (public API): `authors` authors with `postsPerAuthor` posts each,
 * one viewer following them all, every author following the first; returns once the viewer's feed shows the newest
 * posts and the counters subgraph counts views of them.
 */
export async function seedPlaza(routerUrl: string, authors: number, postsPerAuthor: number): Promise<PlazaSeed> {
  const gql = <T>(query: string, variables: Record<string, unknown>, token?: string) =>
    routerGql<T>(routerUrl, query, variables, token);
  const seeded = await seedFollowedAuthors(routerUrl, {
    authors,
    postsPerAuthor,
    handlePrefix: `bench${Date.now().toString(36)}`,
    feedSize: 20,
  });
  const { viewer, newestPostIds: newest } = seeded;
  const popular = seeded.authors[0]!;
  const follow = "mutation ($id: ID!) { follow(userId: $id) { id } }";
  await inParallel(seeded.authors.slice(1), 8, (author) => gql(follow, { id: popular.id }, author.token));
  // The counters subgraph learns of posts from PostCreated events; a view of a post it does not know yet is refused.
  for (const resourceId of newest) {
    await until(
      () =>
        gql(INCREMENT, { input: { resourceId, type: "VIEW", delta: 1 } }, viewer.token).then(
          () => true,
          () => false,
        ),
      `post ${resourceId} to reach the counters subgraph`,
    );
  }
  return { viewer, popularAuthorId: popular.id, newestPostIds: newest };
}
