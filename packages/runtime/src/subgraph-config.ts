import { z } from "zod";
import { EnvError, envFields, loadEnv } from "@plaza/kit";
import { parseShardConfig, type ShardConfig } from "@plaza/sharding";

/** Settings every subgraph shares; a subgraph extends this with its own. */
export const commonSubgraphEnv = z.object({
  HOST: envFields.host(),
  LOG_LEVEL: envFields.logLevel(),
  NODE_ENV: envFields.nodeEnv(),
  INTERNAL_AUTH_KEY: envFields.secret("INTERNAL_AUTH_KEY"),
  /** How long the router's signed identity header is accepted; the router signs right before sending. */
  INTERNAL_AUTH_MAX_AGE_SECONDS: z.coerce.number().int().min(5).max(300).default(30),
  KAFKA_BROKERS: envFields.csv().default([]),
  KAFKA_GROUP_PREFIX: z.string().default(""),
  /** Unset: services use their in-memory adapters (embedded default). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  REDIS_KEY_PREFIX: z.string().default("plaza:"),
  /** Migrations are idempotent and serialized by an advisory lock, so every instance may run them. */
  MIGRATE_ON_START: envFields.bool(true),
  /** Plain POST queries and mutations skip yoga's fetch-API layer and envelop (kit's graphql-fast-lane). */
  SUBGRAPH_HTTP_FAST_LANE: envFields.bool(true),
  /** Queries run compiled by graphql-jit (kit's use-compiled-queries). */
  SUBGRAPH_COMPILED_QUERIES: envFields.bool(true),
});

/** The subgraph server's switches, from the settings every subgraph shares: one mapping for every start mode. */
export function subgraphServerSwitches(config: z.infer<typeof commonSubgraphEnv>): {
  graphiql: boolean;
  httpFastLane: boolean;
  jit: boolean;
} {
  return {
    graphiql: config.NODE_ENV === "development",
    httpFastLane: config.SUBGRAPH_HTTP_FAST_LANE,
    jit: config.SUBGRAPH_COMPILED_QUERIES,
  };
}

/**
 * The service's own settings plus its shard settings (`<SERVICE>_DATABASE_SHARD_URLS` or embedded PGlite; a
 * shared `DATABASE_SHARD_URLS` is refused), with every problem of both reported in one EnvError.
 */
export function loadSubgraphConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  source: Record<string, string | undefined> = process.env,
): z.infer<S> & { shards: ShardConfig; metricsPort?: number } {
  const problems: string[] = [];
  // Per service only (`USERS_METRICS_PORT`): services started together from one environment each need their own.
  const metricsKey = `${service.toUpperCase()}_METRICS_PORT`;
  const metricsSetting = source[metricsKey];
  const metricsPort = metricsSetting ? Number(metricsSetting) : undefined;
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65_535))
    problems.push(`${metricsKey}: must be a port number (0-65535)`);
  let env: z.infer<S> | undefined;
  try {
    env = loadEnv(service, schema, source);
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    problems.push(...err.problems);
  }
  const shards = parseShardConfig(service.toUpperCase(), source, { service });
  if (!shards.ok) problems.push(...shards.problems);
  if (problems.length > 0 || !env || !shards.ok) throw new EnvError(service, problems);
  return { ...env, shards: shards.config, metricsPort };
}

export function exitOnConfigError<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
