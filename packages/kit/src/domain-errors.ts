// GraphQL-free on purpose: domain and application code throw these, and only kit's error masking
// (`maskError` in errors.ts, used by every subgraph) turns them into GraphQL errors with `extensions.code`.

export const ERROR_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "RATE_LIMITED",
  "IDEMPOTENCY_KEY_REUSED",
  "PERSISTED_QUERY_NOT_FOUND",
  "INTERNAL_SERVER_ERROR",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A domain error with a stable public code; anything else is masked as INTERNAL_SERVER_ERROR. */
export class PlazaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "PlazaError";
  }
}

export const badUserInput = (field: string, message: string) => new PlazaError("BAD_USER_INPUT", message, { field });
export const unauthenticated = (message = "Authentication required") => new PlazaError("UNAUTHENTICATED", message);
export const forbidden = (message = "Not allowed") => new PlazaError("FORBIDDEN", message);
export const notFound = (message: string) => new PlazaError("NOT_FOUND", message);
export const conflict = (message: string, extensions: Record<string, unknown> = {}) =>
  new PlazaError("CONFLICT", message, extensions);
/** Too many calls: `extensions.retryAfterSeconds` (whole seconds, at least 1) says when the same call may pass. */
export const rateLimited = (message: string, retryAfterMs: number, extensions: Record<string, unknown> = {}) =>
  new PlazaError("RATE_LIMITED", message, { ...extensions, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
