import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { createSubgraphServer, type Health, type Logger, type ServiceMetrics, type SubgraphServer } from "@plaza/kit";
import type { FeedReader } from "./application/feed.ts";
import type { LiveFeed } from "./application/live-feed.ts";
import type { PostRepository } from "./application/ports/post-repository.port.ts";
import { createPostsContext, type PostsContext } from "./adapters/graphql/context.ts";
import { resolvers } from "./adapters/graphql/resolvers.ts";

export const postsTypeDefs = parse(readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));

export interface PostsAppDeps {
  posts: PostRepository;
  feed: FeedReader;
  live: LiveFeed;
  maxBodyLength: number;
  maxPageSize: number;
  logger: Logger;
  metrics: ServiceMetrics;
  health: Health;
  internalAuthKey: string;
  /** How long the router's signature is accepted (INTERNAL_AUTH_MAX_AGE_SECONDS; default 30 s). */
  internalAuthMaxAgeSeconds?: number;
  graphiql?: boolean;
  /** Kit's HTTP fast lane and compiled queries (default on). */
  httpFastLane?: boolean;
  jit?: boolean;
}

/** The posts subgraph without listening (tests bind port 0). */
export function buildPostsApp(deps: PostsAppDeps): SubgraphServer {
  return createSubgraphServer<PostsContext>({
    service: "posts",
    typeDefs: postsTypeDefs,
    resolvers,
    logger: deps.logger,
    metrics: deps.metrics,
    health: deps.health,
    internalAuthKey: deps.internalAuthKey,
    internalAuthMaxAgeSeconds: deps.internalAuthMaxAgeSeconds,
    context: createPostsContext({
      posts: deps.posts,
      feed: deps.feed,
      live: deps.live,
      maxBodyLength: deps.maxBodyLength,
      maxPageSize: deps.maxPageSize,
    }),
    graphiql: deps.graphiql,
    httpFastLane: deps.httpFastLane,
    jit: deps.jit,
  });
}
