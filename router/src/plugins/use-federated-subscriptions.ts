import type { Plugin } from "graphql-yoga";
import type { SubscriptionEngine } from "../subscriptions/subscription-engine.ts";

/**
 * Serves subscription operations through the federated subscription engine (the gateway executor refuses them).
 * Yoga's SSE transport and the router's graphql-ws server both subscribe through envelop, so both get here.
 */
export function useFederatedSubscriptions(opts: { engine: SubscriptionEngine }): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn((args) => opts.engine.subscribe(args));
    },
  };
}
