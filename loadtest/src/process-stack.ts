import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface ProcessStack {
  routerUrl: string;
  usersUrl: string;
  postsUrl: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface ProcessStackOptions {
  /**
   * "single": `npm start`, the router and every subgraph in one process (the default; what a developer runs).
   * "split": `npm run start:services`, each service in its own process, as deployed; needs real Postgres and Kafka.
   */
  topology?: "single" | "split";
}

/**
 * Plaza in child processes, so the load generator does not share their event loops. Uses the real services
 * named in the environment (e.g. the .env of infra:up), else a throw-away embedded data directory.
 */
export async function startProcessStack(
  extraEnv: Record<string, string> = {},
  options: ProcessStackOptions = {},
): Promise<ProcessStack> {
  const topology = options.topology ?? "single";
  const [routerPort, usersPort, postsPort] = [await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    ROUTER_PORT: String(routerPort),
    USERS_PORT: String(usersPort),
    POSTS_PORT: String(postsPort),
    DATA_DIR: mkdtempSync(join(tmpdir(), "plaza-bench-")),
    JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString("hex"),
    INTERNAL_AUTH_KEY: process.env.INTERNAL_AUTH_KEY ?? randomBytes(32).toString("hex"),
    // The load comes from one address and few viewers: the router's rate limiters run on every request (their
    // cost is measured) but never refuse.
    ROUTER_RATE_LIMIT_PER_IP: "1000000000",
    ROUTER_RATE_LIMIT_PER_VIEWER: "1000000000",
    // Benchmarks sign up and sign in many users from 127.0.0.1: the per-address limits run but never refuse.
    USERS_SIGNUP_IP_RATE_LIMIT: "1000000",
    USERS_SIGNIN_IP_RATE_LIMIT: "1000000",
    ...extraEnv,
  };
  if (topology === "split") {
    // The router finds each subgraph on the port it was given, not on the supergraph's defaults.
    for (const [key, port] of Object.entries(env)) {
      const name = /^([A-Z0-9_]+)_PORT$/.exec(key)?.[1];
      if (name && name !== "ROUTER") env[`SUBGRAPH_URL_${name}`] ??= `http://127.0.0.1:${port}/graphql`;
    }
  }
  const entry = topology === "split" ? "packages/launcher/src/start-services.ts" : "packages/launcher/src/main.ts";
  const child = spawnNode(entry, env);
  const routerUrl = `http://127.0.0.1:${routerPort}/graphql`;
  await waitReady(child, "plaza", 120_000, async () => (await fetch(`http://127.0.0.1:${routerPort}/readyz`)).ok);
  return {
    routerUrl,
    usersUrl: `http://127.0.0.1:${usersPort}/graphql`,
    postsUrl: `http://127.0.0.1:${postsPort}/graphql`,
    env,
    stop: () => stopChild(child),
  };
}

export interface ScriptOptions {
  /**
   * The checkout the script runs from (default: this one): `entry`, tsx and every import resolve there, so another
   * revision's router can be measured beside this one's.
   */
  cwd?: string;
  /** Node options for this process only, added to BENCH_NODE_ARGS (e.g. `--cpu-prof` for one router of several). */
  nodeArgs?: string[];
}

/** A loadtest script in its own node process (tsx's loader), ready once `port` answers HTTP. */
export async function startScript(
  entry: string,
  port: number,
  env: Record<string, string>,
  options: ScriptOptions = {},
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawnNode(entry, env, options);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, entry, 60_000, async () => {
    await fetch(url, { method: "HEAD" });
    return true;
  });
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

/**
 * `entry` under tsx, with BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile a run), run from
 * BENCH_CHECKOUT when set: another revision's services under this revision's driver, seeding and infrastructure, so
 * two revisions' runs of one script compare.
 */
function spawnNode(entry: string, env: Record<string, string>, options: ScriptOptions = {}): ChildProcess {
  const nodeArgs = [...(process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean), ...(options.nodeArgs ?? [])];
  return spawn(process.execPath, [...nodeArgs, "--import", "tsx", entry], {
    cwd: options.cwd ?? process.env.BENCH_CHECKOUT ?? repoRoot,
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
}

/** Polls `ready` (a throw counts as not yet) until it holds; fails if the child exits first or time runs out. */
async function waitReady(child: ChildProcess, name: string, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`${name} did not become ready within ${timeoutMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** stock-apollo-gateway.ts in front of a stack's subgraphs (its env: subgraph URLs and the signing key). */
export async function startStockApolloGateway(
  stack: ProcessStack,
  env: Record<string, string> = {},
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  return startScript("loadtest/src/stock-apollo-gateway.ts", port, { ...stack.env, ...env, STOCK_GATEWAY_PORT: String(port) });
}

/** Every router protection off (operation limits, JSON depth, CSRF, rate limits): the same-run baseline of their cost. */
export const ROUTER_LIMITS_OFF: Record<string, string> = {
  ROUTER_MAX_TOKENS: "0",
  ROUTER_MAX_DEPTH: "0",
  ROUTER_MAX_ALIASES: "0",
  ROUTER_MAX_ROOT_FIELDS: "0",
  ROUTER_MAX_DIRECTIVES: "0",
  ROUTER_MAX_COST: "0",
  ROUTER_MAX_JSON_DEPTH: "1000000",
  ROUTER_CSRF_PREVENTION: "false",
  ROUTER_RATE_LIMIT_PER_IP: "0",
  ROUTER_RATE_LIMIT_PER_VIEWER: "0",
};

/**
 * A second Plaza router process over the stack's subgraphs (`start:router`), with `env` on top of the stack's: to
 * compare a router setting on and off in the same run, on the same subgraphs and data.
 */
export async function startRouterVariant(
  stack: ProcessStack,
  env: Record<string, string>,
  options: ScriptOptions = {},
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const subgraphUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(stack.env)) {
    const name = /^([A-Z0-9_]+)_PORT$/.exec(key)?.[1];
    if (name && name !== "ROUTER" && name !== "STOCK_GATEWAY")
      subgraphUrls[`SUBGRAPH_URL_${name}`] = `http://127.0.0.1:${value}/graphql`;
  }
  const started = await startScript(
    "router/src/index.ts",
    port,
    {
      ...stack.env,
      ...subgraphUrls,
      ROUTER_INSTANCE_ID: `variant-${port}`,
      ...env,
      ROUTER_PORT: String(port),
    },
    options,
  );
  return { url: `${started.url}/graphql`, pid: started.pid, stop: started.stop };
}
