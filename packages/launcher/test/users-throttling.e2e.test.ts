import { createHealth, createLogger } from "@plaza/kit";
import { createRouterMetrics, routerFromConfig, type Router, type RouterFromConfig } from "@plaza/router";
import { loadRouterConfig } from "@plaza/router/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSignUp, startTestStack, type TestStack } from "./test-stack.ts";

const SIGN_IN =
  "mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { token user { id } } }";
const SIGN_UP = "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }";

interface Answer {
  status: number;
  retryAfter: string | null;
  code: string;
  message?: string;
  retryAfterSeconds?: unknown;
}

/** POST through a router; `headers` may divert to yoga's own path (an Origin header) or claim an address. */
async function post(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: unknown;
    errors?: Array<{ message: string; extensions?: { code?: string; retryAfterSeconds?: unknown } }>;
  };
  const error = body.errors?.[0];
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    code: error?.extensions?.code ?? "OK",
    message: error?.message,
    retryAfterSeconds: error?.extensions?.retryAfterSeconds,
  } satisfies Answer;
}

describe("sign-in and sign-up throttling through the router", () => {
  let stack: TestStack;
  let trusting: { router: Router; url: string; fromConfig: RouterFromConfig };
  /** Through the router behind one trusted proxy: the address is the last X-Forwarded-For entry. */
  const via = (ip: string, query: string, variables: Record<string, unknown>) =>
    post(trusting.url, query, variables, { "x-forwarded-for": `6.6.6.6, ${ip}` });
  let address = 0;
  /** A user signed up from an address of its own (sign-ups from one address are limited). */
  async function user() {
    const input = newSignUp("thr");
    expect((await via(`198.18.0.${++address}`, SIGN_UP, { input })).code).toBe("OK");
    return input;
  }

  beforeAll(async () => {
    // The product's per-address limits (the shared test stack raises them for other files' many sign-ups).
    stack = await startTestStack({
      shards: 1,
      env: { USERS_SIGNUP_IP_RATE_LIMIT: "5", USERS_SIGNIN_IP_RATE_LIMIT: "20" },
    });
    const config = loadRouterConfig({
      ...stack.env,
      ROUTER_PORT: "0",
      ROUTER_INSTANCE_ID: "trusting",
      ROUTER_TRUSTED_PROXIES: "1",
    });
    const logger = createLogger({ service: "router-trusting", level: stack.env.LOG_LEVEL ?? "silent" });
    const fromConfig = routerFromConfig(config, {
      logger,
      metrics: createRouterMetrics({ defaultMetrics: false }),
      bus: stack.bus,
    });
    const router = await fromConfig.build({
      subgraphUrls: Object.fromEntries([...stack.router.subgraphs].map(([name, source]) => [name, source.url])),
      health: createHealth(),
    });
    const port = await router.listen(0);
    trusting = { router, url: `http://127.0.0.1:${port}/graphql`, fromConfig };
  }, 120_000);

  afterAll(async () => {
    await trusting?.router.close();
    await trusting?.fromConfig.close();
    await stack?.stop();
  });

  it("refuses the 6th wrong password for one account with RATE_LIMITED and Retry-After, whatever X-Forwarded-For says", async () => {
    const { email } = await user();
    // The default router trusts no proxy: a different X-Forwarded-For per request changes nothing.
    const attempt = (i: number, password = "wrong-password-1", headers: Record<string, string> = {}) =>
      post(stack.routerUrl, SIGN_IN, { email, password }, { "x-forwarded-for": `203.0.113.${i}`, ...headers });
    for (let i = 0; i < 5; i++) expect(await attempt(i)).toMatchObject({ code: "UNAUTHENTICATED", retryAfter: null });
    const refused = await attempt(5);
    expect(refused).toMatchObject({ code: "RATE_LIMITED", message: "Too many sign-in attempts: try again later" });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(179);
    expect(refused.retryAfter).toBe(String(refused.retryAfterSeconds));
    // The right password is refused too (nothing is verified), on yoga's path as on the fast lane.
    const viaYoga = await attempt(6, "correct-horse-9", { origin: "http://localhost" });
    expect(viaYoga).toMatchObject({ code: "RATE_LIMITED" });
    expect(Number(viaYoga.retryAfter)).toBeGreaterThanOrEqual(179);
  });

  it("answers an unknown email exactly as a known one", async () => {
    const { email } = await user();
    const answers = async (address: string) => {
      const seen: Array<Omit<Answer, "retryAfterSeconds" | "retryAfter"> & { limited: boolean }> = [];
      for (let i = 0; i < 7; i++) {
        const { status, code, message, retryAfter } = await via("192.0.2.10", SIGN_IN, { email: address, password: "wrong-1" });
        seen.push({ status, code, message, limited: retryAfter !== null });
      }
      return seen;
    };
    const known = await answers(email);
    expect(known.map((a) => a.code)).toEqual([...Array(5).fill("UNAUTHENTICATED"), "RATE_LIMITED", "RATE_LIMITED"]);
    expect(await answers(`nobody-${email}`)).toEqual(known);
  });

  it("forgives failures once the right password is given, and limits per address, not per account alone", async () => {
    const { email, password } = await user();
    for (let i = 0; i < 4; i++)
      expect((await via("192.0.2.20", SIGN_IN, { email, password: "wrong-1" })).code).toBe("UNAUTHENTICATED");
    expect((await via("192.0.2.20", SIGN_IN, { email, password })).code).toBe("OK");
    for (let i = 0; i < 5; i++)
      expect((await via("192.0.2.20", SIGN_IN, { email, password: "wrong-1" })).code).toBe("UNAUTHENTICATED");
    expect((await via("192.0.2.20", SIGN_IN, { email, password })).code).toBe("RATE_LIMITED");
    // The owner at another address is not locked out by what this one did.
    expect((await via("192.0.2.21", SIGN_IN, { email, password })).code).toBe("OK");
  });

  it("limits every sign-in attempt per address, whichever accounts it tries", async () => {
    const answers: string[] = [];
    for (let i = 0; i < 21; i++) {
      answers.push((await via("192.0.2.30", SIGN_IN, { email: `nobody${i}@example.com`, password: "wrong-1" })).code);
    }
    expect(answers).toEqual([...Array(20).fill("UNAUTHENTICATED"), "RATE_LIMITED"]);
  });

  it("refuses a sign-up flood from one address (IPv6 by /64)", async () => {
    const from = (i: number) => via(`2001:db8:7:7::${i.toString(16)}`, SIGN_UP, { input: newSignUp("flood") });
    for (let i = 1; i <= 5; i++) expect((await from(i)).code).toBe("OK");
    const refused = await from(6);
    expect(refused).toMatchObject({ code: "RATE_LIMITED", message: "Too many sign-ups from this address: try again later" });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(719);
    // IPv4-mapped and plain IPv4 are one address.
    for (let i = 0; i < 5; i++) expect((await via("::ffff:192.0.2.40", SIGN_UP, { input: newSignUp("flood") })).code).toBe("OK");
    expect((await via("192.0.2.40", SIGN_UP, { input: newSignUp("flood") })).code).toBe("RATE_LIMITED");
    expect((await via("2001:db8:7:8::1", SIGN_UP, { input: newSignUp("flood") })).code).toBe("OK");
  });
});
