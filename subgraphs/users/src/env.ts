import { z } from "zod";
import { envFields } from "@plaza/kit";
import { commonSubgraphEnv, loadSubgraphConfig } from "@plaza/runtime";

export const usersEnvSchema = commonSubgraphEnv.extend({
  USERS_PORT: envFields.port(4001),
  JWT_SECRET: envFields.secret("JWT_SECRET"),
  JWT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 24 * 3600)
    .default(3600),
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(1024).default(19_456),
  ARGON2_TIME_COST: z.coerce.number().int().min(1).default(2),
  /** Hot users kept in process (0 disables the entity cache). */
  USERS_ENTITY_CACHE_MAX_ENTRIES: z.coerce.number().int().min(0).default(10_000),
  /** Bounds how stale a cached user can be when its eviction events cannot be consumed. */
  USERS_ENTITY_CACHE_TTL_MS: z.coerce.number().int().positive().default(60_000),
});

export type UsersConfig = ReturnType<typeof loadUsersConfig>;

export const loadUsersConfig = (source?: Record<string, string | undefined>) =>
  loadSubgraphConfig("users", usersEnvSchema, source);
