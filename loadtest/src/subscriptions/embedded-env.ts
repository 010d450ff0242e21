import { freePort } from "../process-stack.ts";

/**
 * `npm start` on embedded defaults (PGlite, in-memory Redis stand-ins, in-process bus) whatever a developer's .env
 * says (it is not read; empty values count as unset), so benchmarks never touch infra:up data.
 */
export async function embeddedStackEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    // The launcher reads .env through dotenv/config: point it at nothing.
    DOTENV_CONFIG_PATH: "/dev/null",
    DATABASE_SHARD_URLS: "",
    USERS_DATABASE_SHARD_URLS: "",
    POSTS_DATABASE_SHARD_URLS: "",
    COUNTERS_DATABASE_SHARD_URLS: "",
    REDIS_URL: "",
    KAFKA_BROKERS: "",
    COUNTERS_PORT: String(await freePort()),
    LOG_LEVEL: "warn",
    ...extra,
  };
}
