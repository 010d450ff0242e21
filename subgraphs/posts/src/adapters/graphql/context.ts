import DataLoader from "dataloader";
import type { BaseContext } from "@plaza/kit";
import type { Post } from "../../domain/post.ts";
import type { FeedReader } from "../../application/feed.ts";
import type { LiveFeed } from "../../application/live-feed.ts";
import type { PostRepository } from "../../application/ports/post-repository.port.ts";

export interface PostsServices {
  posts: PostRepository;
  feed: FeedReader;
  live: LiveFeed;
  maxBodyLength: number;
  maxPageSize: number;
}

export interface PostsContext extends BaseContext {
  services: PostsServices;
  /** Per request: every by-id lookup in one request (a feed page, `_entities`) becomes one query per shard. */
  postLoader: DataLoader<string, Post | null>;
}

export function createPostsContext(services: PostsServices) {
  return (base: BaseContext): PostsContext => ({
    ...base,
    services,
    postLoader: new DataLoader((ids: readonly string[]) => services.posts.findByIds(ids), { maxBatchSize: 500 }),
  });
}
