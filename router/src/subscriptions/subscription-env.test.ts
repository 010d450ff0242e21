import { describe, expect, it } from "vitest";
import { EnvError } from "@plaza/kit";
import { loadRouterConfig } from "../env.ts";
import { SUBSCRIPTION_DEFAULTS } from "./subscription-options.ts";

const secrets = { JWT_SECRET: "j".repeat(32), INTERNAL_AUTH_KEY: "k".repeat(32) };

describe("subscription configuration", () => {
  it("defaults to nothing public and the documented limits", () => {
    expect(loadRouterConfig(secrets).subscriptions).toEqual(SUBSCRIPTION_DEFAULTS);
  });

  it("reads every ROUTER_* subscription variable", () => {
    const config = loadRouterConfig({
      ...secrets,
      ROUTER_PUBLIC_SUBSCRIPTIONS: "counterChanged, Subscription.tick,",
      ROUTER_WS_MAX_CONNECTIONS_PER_USER: "3",
      ROUTER_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: "7",
      ROUTER_WS_PING_INTERVAL_MS: "5000",
      ROUTER_WS_MAX_MESSAGE_BYTES: "1024",
      ROUTER_WS_MAX_BUFFERED_BYTES: "2048",
      ROUTER_SUBSCRIPTION_MAX_QUEUED_EVENTS: "9",
      ROUTER_SUBSCRIPTION_RETRY_ATTEMPTS: "4",
      ROUTER_SUBSCRIPTION_RETRY_MAX_DELAY_MS: "800",
    });
    expect(config.subscriptions).toEqual({
      ...SUBSCRIPTION_DEFAULTS,
      publicFields: ["counterChanged", "Subscription.tick"],
      maxConnectionsPerUser: 3,
      maxSubscriptionsPerConnection: 7,
      pingIntervalMs: 5000,
      maxMessageBytes: 1024,
      maxBufferedBytes: 2048,
      maxQueuedEvents: 9,
      retryAttempts: 4,
      retryMaxDelayMs: 800,
    });
  });

  it("reports bad values with the others", () => {
    let problems: string[] = [];
    try {
      loadRouterConfig({ ...secrets, ROUTER_WS_PING_INTERVAL_MS: "0", ROUTER_PUBLIC_SUBSCRIPTIONS: "a;b" });
    } catch (err) {
      if (err instanceof EnvError) problems = err.problems;
      else throw err;
    }
    expect(problems.join("\n")).toContain("ROUTER_WS_PING_INTERVAL_MS");
    expect(problems.join("\n")).toContain("ROUTER_PUBLIC_SUBSCRIPTIONS");
  });
});
