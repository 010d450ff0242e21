import type { Viewer } from "../context.ts";

/**
 * Whose view of the data a subscription delivers. Clients share upstream subscriptions and per-event resolution
 * only within one scope, and the scope's identity is what subgraphs see.
 */
export interface SubscriptionScope {
  /** `anonymous` or `viewer:<id>:<token expiry>`. */
  key: string;
  /** Forwarded (signed) to the subgraphs for the upstream subscription and every per-event fetch. */
  viewer: Viewer | null;
}

export const ANONYMOUS_SCOPE: SubscriptionScope = Object.freeze({ key: "anonymous", viewer: null });

/**
 * Conservative on purpose: whether a result depends on the viewer is not visible in a supergraph, so every
 * subscription of an authenticated client is scoped to that viewer unless its root field is configured public.
 * Public subscriptions run as the anonymous viewer, which makes sharing them across viewers safe: nobody can
 * receive data resolved for someone else.
 */
export function subscriptionScope(
  viewer: Viewer | null,
  rootField: string,
  publicFields: ReadonlySet<string>,
): SubscriptionScope {
  if (!viewer || publicFields.has(rootField)) return ANONYMOUS_SCOPE;
  // The token's expiry is part of the scope: subgraphs may end a subscription when the identity they were given
  // expires (feedUpdated does), which must not end the subscriptions of the same viewer's newer token.
  return { key: `viewer:${viewer.id}:${viewer.tokenExp}`, viewer };
}

/** `counterChanged` and `Subscription.counterChanged` both name the root field. */
export function publicFieldSet(fields: readonly string[]): ReadonlySet<string> {
  return new Set(fields.map((field) => field.trim().replace(/^Subscription\./, "")).filter(Boolean));
}
