import { z } from "zod";
import { envFields, loadEnvOrExit } from "@plaza/kit";

export const usersEnvSchema = z.object({
  USERS_PORT: envFields.port(4001),
  HOST: envFields.host(),
  LOG_LEVEL: envFields.logLevel(),
  NODE_ENV: envFields.nodeEnv(),
  JWT_SECRET: envFields.secret("JWT_SECRET"),
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(30 * 24 * 3600).default(3600),
  INTERNAL_AUTH_KEY: envFields.secret("INTERNAL_AUTH_KEY"),
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(1024).default(19_456),
  ARGON2_TIME_COST: z.coerce.number().int().min(1).default(2),
});

export type UsersEnv = z.infer<typeof usersEnvSchema>;

export const loadUsersEnv = (source?: Record<string, string | undefined>) => loadEnvOrExit("users", usersEnvSchema, source);
