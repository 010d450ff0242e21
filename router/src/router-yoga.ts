import type { IncomingMessage } from "node:http";
import type { GraphQLError, GraphQLSchema } from "graphql";
import { createYoga, type YogaServerInstance, type YogaServerOptions } from "graphql-yoga";
import { boundedParserCaches, type Logger } from "@plaza/kit";
import type { RouterContext, RouterServerContext } from "./context.ts";
import type { createCorsPolicy } from "./http/cors.ts";

export interface RouterYogaOptions {
  schema: GraphQLSchema;
  logger: Logger;
  graphiql: boolean;
  maskError(error: unknown, message: string): GraphQLError;
  maxBodyBytes: number;
  cors: ReturnType<typeof createCorsPolicy>;
  clientIpOf(req: IncomingMessage | undefined): string | null;
  plugins: NonNullable<YogaServerOptions<RouterServerContext, RouterContext>["plugins"]>;
}

/** The router's yoga instance: its schema is the engine's API schema, its behaviour the plugins given, in order. */
export function createRouterYoga(options: RouterYogaOptions): YogaServerInstance<RouterServerContext, RouterContext> {
  const { logger, cors, clientIpOf } = options;
  return createYoga<RouterServerContext, RouterContext>({
    schema: options.schema,
    graphqlEndpoint: "/graphql",
    graphiql: options.graphiql,
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: options.maskError },
    maxRequestBodySize: options.maxBodyBytes,
    parserAndValidationCache: boundedParserCaches(),
    cors: (request) => cors.yoga(request),
    context: ({ requestId, viewer, clientIp, req }): RouterContext => {
      // use-request-id always sets it for HTTP; other transports pass their own.
      const id = requestId ?? "unknown";
      // The one place the client's address is determined (HTTP, the fast lane and graphql-ws all pass `req`).
      const ip = clientIp ?? clientIpOf(req);
      return { requestId: id, viewer: viewer ?? null, clientIp: ip, logger: logger.child({ requestId: id }) };
    },
    plugins: options.plugins,
  });
}
