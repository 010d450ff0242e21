import { DateTime } from "@plaza/kit";
import type { Post } from "../../domain/post.ts";
import { createPost, deletePost } from "../../application/posts.ts";
import { requireViewer } from "../../application/viewer.ts";
import type { FeedPage } from "../../application/feed.ts";
import type { PostsContext } from "./context.ts";
import { decodeAuthorCursor, decodeFeedCursor, encodeAuthorCursor, encodeFeedCursor, pageSize } from "./pagination.ts";
import type { Resolvers } from "./resolvers-types.generated.ts";

type PageArgs = { first?: number | null; after?: string | null };

function feedConnection(page: FeedPage) {
  return {
    edges: page.edges.map((edge) => ({ cursor: encodeFeedCursor(edge.position), node: edge.post })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endPosition && encodeFeedCursor(page.endPosition) },
  };
}

export const resolvers: Resolvers = {
  DateTime,
  Query: {
    post: (_: unknown, args: { id: string }, ctx: PostsContext) => ctx.postLoader.load(args.id),
    feed: async (_: unknown, args: PageArgs, ctx: PostsContext) => {
      const viewerId = requireViewer(ctx.viewerId);
      const first = pageSize(args.first, ctx.services.maxPageSize);
      const after = decodeFeedCursor(args.after);
      const load = async (ids: readonly string[]) =>
        (await ctx.postLoader.loadMany(ids)).map((post) => {
          if (post instanceof Error) throw post;
          return post;
        });
      return feedConnection(await ctx.services.feed.read(viewerId, first, after, load));
    },
  },
  Mutation: {
    createPost: async (_: unknown, args: { input: { body: string } }, ctx: PostsContext) => {
      const post = await createPost(ctx.services, ctx.viewerId, args.input);
      ctx.postLoader.prime(post.id, post);
      return post;
    },
    deletePost: async (_: unknown, args: { id: string }, ctx: PostsContext) => {
      const deleted = await deletePost(ctx.services.posts, ctx.viewerId, args.id);
      ctx.postLoader.clear(args.id);
      return deleted;
    },
  },
  Subscription: {
    feedUpdated: {
      subscribe: (_: unknown, __: unknown, ctx: PostsContext) =>
        ctx.services.live.subscribe(requireViewer(ctx.viewerId), ctx.identity.tokenExp),
      resolve: (post: Post) => post,
    },
  },
  Post: {
    __resolveReference: (ref: { id: string }, ctx: PostsContext) => ctx.postLoader.load(ref.id),
    author: (post: Post) => ({ __typename: "User", id: post.authorId }),
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    posts: async (user: { id: string }, args: PageArgs, ctx: PostsContext) => {
      const first = pageSize(args.first, ctx.services.maxPageSize);
      const page = await ctx.services.posts.listByAuthor(user.id, first, decodeAuthorCursor(args.after));
      for (const post of page.posts) ctx.postLoader.prime(post.id, post);
      const edges = page.posts.map((post) => ({ cursor: encodeAuthorCursor(post), node: post }));
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },
};
