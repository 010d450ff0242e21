import { z } from "zod";
import { envFields } from "@plaza/kit";
import { commonSubgraphEnv, loadSubgraphConfig } from "@plaza/runtime";

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const WEEK_MS = 7 * 24 * 3600_000;

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
  /**
   * Failed sign-ins per account and client address: a burst of this many, refilled at this many per window
   * (default 5 per 15 minutes: after 5 wrong passwords, one more try every 3 minutes).
   */
  USERS_SIGNIN_ACCOUNT_IP_RATE_LIMIT: int(1, 1_000_000, 5),
  USERS_SIGNIN_ACCOUNT_IP_RATE_WINDOW_MS: int(1, WEEK_MS, 15 * 60_000),
  /** Failed sign-ins per account from all addresses together (default 100 per hour): caps spread-out guessing. */
  USERS_SIGNIN_ACCOUNT_RATE_LIMIT: int(1, 1_000_000, 100),
  USERS_SIGNIN_ACCOUNT_RATE_WINDOW_MS: int(1, WEEK_MS, 3600_000),
  /** Sign-in attempts (right or wrong, any account) per client address, IPv6 per /64 (default 20 per minute). */
  USERS_SIGNIN_IP_RATE_LIMIT: int(1, 1_000_000, 20),
  USERS_SIGNIN_IP_RATE_WINDOW_MS: int(1, WEEK_MS, 60_000),
  /** Sign-ups per client address, IPv6 per /64 (default 5 per hour). */
  USERS_SIGNUP_IP_RATE_LIMIT: int(1, 1_000_000, 5),
  USERS_SIGNUP_IP_RATE_WINDOW_MS: int(1, WEEK_MS, 3600_000),
});

export type UsersConfig = ReturnType<typeof loadUsersConfig>;

export const loadUsersConfig = (source?: Record<string, string | undefined>) =>
  loadSubgraphConfig("users", usersEnvSchema, source);
