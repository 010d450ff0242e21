import type { ServiceMetrics } from "@plaza/kit";
import type { ThrottledLimit } from "./application/auth-throttle.ts";

const LIMITS: readonly ThrottledLimit[] = ["signInIp", "signInAccountIp", "signInAccount", "signUpIp"];

/** The users subgraph's own metrics, on the service registry (`plaza_users_*`). */
export function createUsersMetrics(metrics: ServiceMetrics) {
  const m = {
    authRateLimited: metrics.counter("auth_rate_limited_total", "Sign-ins and sign-ups refused by a rate limit", ["limit"]),
  };
  // Every series from the start at 0, so increase() sees the first refusal.
  for (const limit of LIMITS) m.authRateLimited.inc({ limit }, 0);
  return m;
}
