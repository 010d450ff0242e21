import type { Logger } from "@plaza/kit";

export const DEMO_PASSWORD = "plaza-demo-1";
export const DEMO_USERS = [
  { email: "alice@plaza.dev", handle: "alice", displayName: "Alice Liddell" },
  { email: "bob@plaza.dev", handle: "bob", displayName: "Bob Ross" },
  { email: "carol@plaza.dev", handle: "carol", displayName: "Carol Danvers" },
] as const;

/**
 * SEED_DEMO_DATA, or by default only outside production: the demo password is printed in the README, so a
 * production deployment must never hold those accounts unless someone asked for them.
 */
export function shouldSeedDemoData(env: Record<string, string | undefined>): boolean {
  const setting = env.SEED_DEMO_DATA;
  if (setting === "true" || setting === "1") return true;
  if (setting === "false" || setting === "0") return false;
  if (setting) throw new Error(`SEED_DEMO_DATA must be true or false, not ${JSON.stringify(setting)}`);
  return env.NODE_ENV !== "production";
}

interface GraphQLResponse<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function call<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/**
 * Seeds through the public API (the router), so demo data takes exactly the path real data takes — validation,
 * events, rate limits and all. Idempotent: an existing demo user is signed in, and only a missing one signed up
 * (so restarts spend none of the per-address sign-up allowance).
 */
export async function seedDemoData(routerUrl: string, logger: Logger): Promise<void> {
  const tokens: string[] = [];
  const ids: string[] = [];
  let created = 0;
  for (const user of DEMO_USERS) {
    const signIn = await call<{ signIn: { token: string; user: { id: string } } }>(
      routerUrl,
      "mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { token user { id } } }",
      { email: user.email, password: DEMO_PASSWORD },
    );
    let auth = signIn.data?.signIn;
    let errors = signIn.errors;
    if (!auth && errors?.[0]?.extensions?.code === "UNAUTHENTICATED") {
      const signUp = await call<{ signUp: { token: string; user: { id: string } } }>(
        routerUrl,
        "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }",
        { input: { ...user, password: DEMO_PASSWORD } },
      );
      auth = signUp.data?.signUp;
      errors = signUp.errors;
      if (auth) created++;
    }
    if (!auth) throw new Error(`cannot seed demo user ${user.handle}: ${JSON.stringify(errors)}`);
    tokens.push(auth.token);
    ids.push(auth.user.id);
  }
  if (created === 0) return;
  // Everyone follows everyone else, so followers/following have something to show.
  for (const [i, token] of tokens.entries()) {
    for (const [j, id] of ids.entries()) {
      if (i !== j) await call(routerUrl, "mutation ($id: ID!) { follow(userId: $id) { id } }", { id }, token);
    }
  }
  // A conversation between the first two demo users, so chat has something to show.
  const started = await call<{ startConversation: { id: string } }>(
    routerUrl,
    "mutation ($ids: [ID!]!) { startConversation(memberIds: $ids) { id } }",
    { ids: [ids[1]] },
    tokens[0],
  );
  const conversationId = started.data?.startConversation.id;
  if (!conversationId) throw new Error(`cannot seed the demo conversation: ${JSON.stringify(started.errors)}`);
  const send = "mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }";
  await call(
    routerUrl,
    send,
    { input: { conversationId, body: "Hi Bob! Welcome to Plaza.", clientMessageId: "demo-1" } },
    tokens[0],
  );
  await call(routerUrl, send, { input: { conversationId, body: "Hi Alice, thanks!", clientMessageId: "demo-2" } }, tokens[1]);
  // One succeeded membership payment (alice, monthly): the local provider settles it by webhook a moment later.
  const payment = await call(
    routerUrl,
    "mutation ($input: CreatePaymentInput!, $key: String!) { createPayment(input: $input, idempotencyKey: $key) { id status } }",
    { input: { amount: 999, currency: "USD", purpose: "MEMBERSHIP_MONTHLY" }, key: "demo-membership-alice" },
    tokens[0],
  );
  if (payment.errors) logger.warn({ errors: payment.errors }, "demo membership payment failed");
  logger.info(
    { users: DEMO_USERS.map((u) => u.email), password: DEMO_PASSWORD },
    "seeded demo users, a conversation and a membership",
  );
}
