// Seed-data generator of the load tests: builds the seeded social graph of loadtest/k6/lib/seed-plan.ts through
// the router's public API (signUp, follow, createPost), deterministic from the seed and idempotent: re-running it
// signs existing users in, follows again (a no-op) and creates only the posts that are missing.
//   npm run loadtest:seed -- --users N --follows M --posts P [--seed S] [--url URL] [--concurrency C] [--allow-remote]
// M is follows per user and P is posts per user: N users, N×M follow edges, N×P posts.
// The users subgraph limits sign-ups and sign-ins per client address: README "Load tests (k6)" names what to raise.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_URL } from "../k6/lib/config.ts";
import { at, CREATE_POST, FOLLOW, MY_POSTS, SIGN_IN, SIGN_UP, type Operation } from "../k6/lib/operations.ts";
import { followsOf, MAX_SEED, postBody, seededUser } from "../k6/lib/seed-plan.ts";
import { inParallel } from "./public-api.ts";
import { intArg, targetUrl, UsageError } from "./cli-args.ts";

export interface SeedOptions {
  url: string;
  users: number;
  follows: number;
  posts: number;
  seed: number;
  concurrency: number;
  log?: (line: string) => void;
}

export interface SeedResult {
  users: number;
  signedUp: number;
  signedIn: number;
  follows: number;
  postsCreated: number;
  postsFound: number;
  seconds: number;
}

class GraphQLCallError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** What to raise when a limit refuses the seed (the limits are per client address, and the seed is one address). */
const LIMIT_HINTS: Record<string, string> = {
  SignUp: "USERS_SIGNUP_IP_RATE_LIMIT (sign-ups per address, 5 per hour by default)",
  SignIn: "USERS_SIGNIN_IP_RATE_LIMIT (sign-ins per address, 20 per minute by default)",
};

async function call(url: string, op: Operation, variables: Record<string, unknown>, token?: string): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query: op.query, variables }),
    });
    // The router's own request rate limits (ROUTER_RATE_LIMIT_PER_*) answer 429 with a short Retry-After: wait.
    const retryAfter = Number(response.headers.get("retry-after") ?? "1");
    const body = (await response.json().catch(() => undefined)) as { data?: unknown; errors?: unknown[] } | undefined;
    const error = body?.errors?.[0];
    const code = at(error, "extensions.code") as string | undefined;
    if (code === "RATE_LIMITED" && response.status === 429 && retryAfter <= 5 && attempt < 5) {
      await new Promise((r) => setTimeout(r, retryAfter * 1000));
      continue;
    }
    if (error || !body || !op.expect(body.data)) {
      const hint = code === "RATE_LIMITED" && LIMIT_HINTS[op.name] ? ` — raise ${LIMIT_HINTS[op.name]} on the target` : "";
      throw new GraphQLCallError(`${op.name}: ${JSON.stringify(error ?? body ?? response.status)}${hint}`, code);
    }
    return body.data;
  }
}

export async function runSeed(opts: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  let signedUp = 0;
  let signedIn = 0;
  const indexes = Array.from({ length: opts.users }, (_, i) => i);
  const accounts = await inParallel(indexes, opts.concurrency, async (i) => {
    const user = seededUser(opts.seed, i);
    try {
      const data = await call(opts.url, SIGN_UP, {
        input: { email: user.email, password: user.password, handle: user.handle, displayName: user.displayName },
      });
      signedUp++;
      return { token: at(data, "signUp.token") as string, id: at(data, "signUp.user.id") as string, existed: false };
    } catch (error) {
      // Seeded before (handle or email taken): sign in instead.
      if (!(error instanceof GraphQLCallError) || error.code !== "CONFLICT") throw error;
      const data = await call(opts.url, SIGN_IN, { email: user.email, password: user.password });
      signedIn++;
      return { token: at(data, "signIn.token") as string, id: at(data, "signIn.user.id") as string, existed: true };
    }
  });
  log(`users: ${signedUp} signed up, ${signedIn} existed`);
  let follows = 0;
  await inParallel(indexes, opts.concurrency, async (i) => {
    for (const other of followsOf(opts.seed, i, opts.users, opts.follows)) {
      await call(opts.url, FOLLOW, { userId: accounts[other]!.id }, accounts[i]!.token);
      follows++;
    }
  });
  log(`follows: ${follows}`);
  let postsCreated = 0;
  let postsFound = 0;
  await inParallel(indexes, opts.concurrency, async (i) => {
    const account = accounts[i]!;
    const existing = new Set<string>();
    if (account.existed) {
      let after: string | null = null;
      for (let page = 0; page < 100; page++) {
        const data = await call(opts.url, MY_POSTS, { first: 100, after }, account.token);
        const edges = (at(data, "me.posts.edges") as unknown[]) ?? [];
        for (const edge of edges) existing.add(String(at(edge, "node.body")));
        if (at(data, "me.posts.pageInfo.hasNextPage") !== true) break;
        after = at(data, "me.posts.pageInfo.endCursor") as string;
      }
    }
    for (let p = 0; p < opts.posts; p++) {
      const body = postBody(opts.seed, i, p);
      if (existing.has(body)) {
        postsFound++;
        continue;
      }
      await call(opts.url, CREATE_POST, { input: { body } }, account.token);
      postsCreated++;
    }
  });
  log(`posts: ${postsCreated} created, ${postsFound} existed`);
  return {
    users: opts.users,
    signedUp,
    signedIn,
    follows,
    postsCreated,
    postsFound,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The seed CLI's options from its arguments; throws UsageError for anything wrong. */
export function parseSeedArgs(args: string[], env: Record<string, string | undefined> = process.env): SeedOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        users: { type: "string" },
        follows: { type: "string" },
        posts: { type: "string" },
        seed: { type: "string" },
        url: { type: "string" },
        concurrency: { type: "string" },
        "allow-remote": { type: "boolean", default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const users = intArg("users", values.users, 100, 2, 1_000_000);
  return {
    users,
    follows: intArg("follows", values.follows, Math.min(10, users - 1), 0, users - 1),
    posts: intArg("posts", values.posts, 5, 0, 10_000),
    seed: intArg("seed", values.seed ?? env.PLAZA_SEED, 1, 0, MAX_SEED),
    concurrency: intArg("concurrency", values.concurrency, 8, 1, 256),
    url: targetUrl(values.url ?? (env.PLAZA_URL || DEFAULT_URL), { allowRemote: values["allow-remote"] }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const opts = parseSeedArgs(process.argv.slice(2));
    console.log(
      `seeding ${opts.url}: ${opts.users} users, ${opts.follows} follows and ${opts.posts} posts per user, seed ${opts.seed}`,
    );
    const result = await runSeed({ ...opts, log: (line) => console.log(line) });
    console.log(JSON.stringify(result));
  } catch (error) {
    console.error(error instanceof UsageError ? `loadtest:seed: ${error.message}` : error);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
}
