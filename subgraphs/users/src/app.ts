import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { createSubgraphServer, type Health, type Logger, type ServiceMetrics, type SubgraphServer } from "@plaza/kit";
import { createSignIn } from "./application/auth.ts";
import type { AuthThrottle } from "./application/auth-throttle.ts";
import type { PasswordHasher } from "./application/ports/password-hasher.port.ts";
import type { TokenIssuer } from "./application/ports/token-issuer.port.ts";
import type { UserRepository } from "./application/ports/user-repository.port.ts";
import type { SessionStore } from "./application/ports/session-store.port.ts";
import { createUsersContext, type UsersContext } from "./adapters/graphql/context.ts";
import { resolvers } from "./adapters/graphql/resolvers.ts";

export const usersTypeDefs = parse(readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));

export interface UsersAppDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  tokens: TokenIssuer;
  /** Sign-in and sign-up limits (createAuthThrottle). */
  throttle: AuthThrottle;
  /** Token versions and signed-out sessions (signOut, signOutEverywhere, the router's session checks). */
  sessions: SessionStore;
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

/** The users subgraph without listening (tests bind port 0). */
export function buildUsersApp(deps: UsersAppDeps): SubgraphServer {
  const services = {
    users: deps.users,
    hasher: deps.hasher,
    tokens: deps.tokens,
    throttle: deps.throttle,
    sessions: deps.sessions,
    signIn: createSignIn(deps),
  };
  return createSubgraphServer<UsersContext>({
    service: "users",
    typeDefs: usersTypeDefs,
    resolvers,
    logger: deps.logger,
    metrics: deps.metrics,
    health: deps.health,
    internalAuthKey: deps.internalAuthKey,
    internalAuthMaxAgeSeconds: deps.internalAuthMaxAgeSeconds,
    context: createUsersContext(services),
    graphiql: deps.graphiql,
    httpFastLane: deps.httpFastLane,
    jit: deps.jit,
  });
}
