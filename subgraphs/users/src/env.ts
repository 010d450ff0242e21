import { z } from "zod";
import { envFields } from "@plaza/kit";
import { commonSubgraphEnv, loadSubgraphConfig } from "@plaza/runtime";

export const usersEnvSchema = commonSubgraphEnv.extend({
  USERS_PORT: envFields.port(4001),
  JWT_SECRET: envFields.secret("JWT_SECRET"),
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(30 * 24 * 3600).default(3600),
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(1024).default(19_456),
  ARGON2_TIME_COST: z.coerce.number().int().min(1).default(2),
});

export type UsersConfig = ReturnType<typeof loadUsersConfig>;

export const loadUsersConfig = (source?: Record<string, string | undefined>) => loadSubgraphConfig("users", usersEnvSchema, source);
