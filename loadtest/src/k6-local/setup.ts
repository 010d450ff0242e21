// setup() of the Node driver: what the k6 scripts' setupSeeded() does (lib/k6-client.ts), over fetch.
import { at, FEED, SIGN_IN, START_CONVERSATION, type Operation } from "../../k6/lib/operations.ts";
import { seededUser } from "../../k6/lib/seed-plan.ts";

export interface Viewer {
  id: string;
  token: string;
}

export interface LocalSetup {
  viewers: Viewer[];
  postIds: string[];
  conversations: Array<{ id: string; members: [number, number] }>;
}

export async function gqlFetch(url: string, op: Operation, variables: Record<string, unknown>, token?: string): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query: op.query, variables }),
  });
  const body = (await response.json().catch(() => undefined)) as { data?: unknown; errors?: unknown } | undefined;
  if (!body || body.errors || !op.expect(body.data))
    throw new Error(`${op.name}: ${JSON.stringify(body?.errors ?? response.status)}`);
  return body.data;
}

export async function setupSeeded(
  url: string,
  opts: { seed: number; viewers: number; posts?: boolean; conversations?: boolean },
): Promise<LocalSetup> {
  const viewers: Viewer[] = [];
  for (let i = 0; i < opts.viewers; i++) {
    const user = seededUser(opts.seed, i);
    try {
      const data = await gqlFetch(url, SIGN_IN, { email: user.email, password: user.password });
      viewers.push({ id: at(data, "signIn.user.id") as string, token: at(data, "signIn.token") as string });
    } catch (error) {
      if (viewers.length >= 2) break;
      throw new Error(
        `could not sign in seeded user ${user.handle} (${(error as Error).message}): run ` +
          `\`npm run loadtest:seed -- --seed ${opts.seed} --users ${opts.viewers}\` first (README "Load tests (k6)")`,
      );
    }
  }
  const postIds: string[] = [];
  if (opts.posts) {
    for (const viewer of viewers) {
      const edges = at(await gqlFetch(url, FEED, { first: 50 }, viewer.token), "feed.edges") as unknown[];
      for (const edge of edges) {
        const id = at(edge, "node.id") as string;
        if (!postIds.includes(id)) postIds.push(id);
      }
      if (postIds.length >= 200) break;
    }
    if (postIds.length === 0)
      throw new Error("the seeded users' feeds are empty: seed posts first (npm run loadtest:seed -- --posts 5)");
  }
  const conversations: LocalSetup["conversations"] = [];
  if (opts.conversations) {
    for (let i = 0; i + 1 < viewers.length; i += 2) {
      const data = await gqlFetch(url, START_CONVERSATION, { memberIds: [viewers[i + 1]!.id] }, viewers[i]!.token);
      conversations.push({ id: at(data, "startConversation.id") as string, members: [i, i + 1] });
    }
  }
  return { viewers, postIds, conversations };
}
