import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { envFields } from "@plaza/kit";
import type { CorsOrigins } from "./http/cors.ts";
import { DEFAULT_OPERATION_LIMITS as LIMITS, type OperationLimits } from "./limits/operation-limits.ts";

const limit = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
/** Unset: the safe choice for production, the convenient one elsewhere. */
const byEnvironment = () => z.enum(["true", "false", "1", "0"]).optional();

/** The router's protection settings (merged into its env schema, so every problem is reported at once). */
export const securityEnvFields = {
  ROUTER_MAX_TOKENS: limit(LIMITS.maxTokens),
  ROUTER_MAX_DEPTH: limit(LIMITS.maxDepth),
  ROUTER_MAX_ALIASES: limit(LIMITS.maxAliases),
  ROUTER_MAX_ROOT_FIELDS: limit(LIMITS.maxRootFields),
  ROUTER_MAX_DIRECTIVES: limit(LIMITS.maxDirectives),
  ROUTER_MAX_COST: limit(LIMITS.maxCost),
  ROUTER_COST_DEFAULT_LIST_SIZE: z.coerce.number().int().positive().default(LIMITS.defaultListSize),
  ROUTER_MAX_JSON_DEPTH: z.coerce.number().int().positive().default(64),
  ROUTER_CSRF_PREVENTION: envFields.bool(true),
  ROUTER_INTROSPECTION: byEnvironment(),
  ROUTER_FIELD_SUGGESTIONS: byEnvironment(),
  /** `*`, or comma-separated origins (`https://app.example.com`); unset: `*` outside production, none in it. */
  ROUTER_CORS_ORIGINS: z
    .string()
    .refine(
      (value) => value.trim() === "*" || value.split(",").every((origin) => /^https?:\/\/[^/\s]+$/.test(origin.trim())),
      "must be * or a comma-separated list of origins like https://app.example.com",
    )
    .optional(),
  RESPONSE_CACHE_DEBUG_HEADER: byEnvironment(),
  /** Requests per ROUTER_RATE_LIMIT_WINDOW_MS (a burst, refilled at that rate) per signed-in viewer; 0: off. */
  ROUTER_RATE_LIMIT_PER_VIEWER: limit(100),
  /** The same per client address, for requests without a verified token; 0: off. */
  ROUTER_RATE_LIMIT_PER_IP: limit(100),
  ROUTER_RATE_LIMIT_WINDOW_MS: z.coerce.number().int().positive().default(1_000),
  ROUTER_APQ: envFields.bool(true),
  ROUTER_APQ_TTL_SECONDS: z.coerce.number().int().positive().default(86_400),
  ROUTER_TRUSTED_DOCUMENTS: z.string().optional(),
  ROUTER_TRUSTED_DOCUMENTS_ONLY: envFields.bool(false),
};

export interface RouterSecurityConfig {
  limits: OperationLimits;
  maxJsonDepth: number;
  csrfPrevention: boolean;
  introspection: boolean;
  fieldSuggestions: boolean;
  corsOrigins: CorsOrigins;
  cacheDebugHeader: boolean;
  /** Requests per window per viewer and per address (0: off). */
  rateLimits: { perViewer: number; perAddress: number; windowMs: number };
  apq: { enabled: boolean; ttlSeconds: number };
  /** Absolute path of the trusted documents manifest. */
  trustedDocumentsPath?: string;
  trustedDocumentsOnly: boolean;
}

type SecurityEnv = z.infer<z.ZodObject<typeof securityEnvFields>> & { NODE_ENV: string };

const flag = (value: string | undefined, fallback: boolean) =>
  value === undefined ? fallback : value === "true" || value === "1";

export function securityConfigFrom(env: SecurityEnv): RouterSecurityConfig {
  const production = env.NODE_ENV === "production";
  const origins = env.ROUTER_CORS_ORIGINS?.trim();
  return {
    limits: {
      maxTokens: env.ROUTER_MAX_TOKENS,
      maxDepth: env.ROUTER_MAX_DEPTH,
      maxAliases: env.ROUTER_MAX_ALIASES,
      maxRootFields: env.ROUTER_MAX_ROOT_FIELDS,
      maxDirectives: env.ROUTER_MAX_DIRECTIVES,
      maxCost: env.ROUTER_MAX_COST,
      defaultListSize: env.ROUTER_COST_DEFAULT_LIST_SIZE,
    },
    maxJsonDepth: env.ROUTER_MAX_JSON_DEPTH,
    csrfPrevention: env.ROUTER_CSRF_PREVENTION,
    introspection: flag(env.ROUTER_INTROSPECTION, !production),
    fieldSuggestions: flag(env.ROUTER_FIELD_SUGGESTIONS, !production),
    corsOrigins:
      origins === undefined ? (production ? [] : "*") : origins === "*" ? "*" : origins.split(",").map((o) => o.trim()),
    cacheDebugHeader: flag(env.RESPONSE_CACHE_DEBUG_HEADER, !production),
    rateLimits: {
      perViewer: env.ROUTER_RATE_LIMIT_PER_VIEWER,
      perAddress: env.ROUTER_RATE_LIMIT_PER_IP,
      windowMs: env.ROUTER_RATE_LIMIT_WINDOW_MS,
    },
    apq: { enabled: env.ROUTER_APQ, ttlSeconds: env.ROUTER_APQ_TTL_SECONDS },
    trustedDocumentsPath:
      env.ROUTER_TRUSTED_DOCUMENTS &&
      (isAbsolute(env.ROUTER_TRUSTED_DOCUMENTS)
        ? env.ROUTER_TRUSTED_DOCUMENTS
        : resolve(process.cwd(), env.ROUTER_TRUSTED_DOCUMENTS)),
    trustedDocumentsOnly: env.ROUTER_TRUSTED_DOCUMENTS_ONLY,
  };
}
