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
    ...extraEnv,
  };
  if (topology === "split") {
    // The router finds each subgraph on the port it was given, not on the supergraph's defaults.
    for (const [key, port] of Object.entries(env)) {
      const name = /^([A-Z0-9_]+)_PORT$/.exec(key)?.[1];
      if (name && name !== "ROUTER") env[`SUBGRAPH_URL_${name}`] ??= `http://127.0.0.1:${port}/graphql`;
    }
  }
  // BENCH_NODE_ARGS passes flags to the stack's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile a run.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const entry = topology === "split" ? "packages/launcher/src/start-services.ts" : "packages/launcher/src/main.ts";
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, "--import", "tsx", entry], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const routerUrl = `http://127.0.0.1:${routerPort}/graphql`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`plaza exited with ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(`http://127.0.0.1:${routerPort}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error("plaza did not become ready within 120 s");
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    routerUrl,
    usersUrl: `http://127.0.0.1:${usersPort}/graphql`,
    postsUrl: `http://127.0.0.1:${postsPort}/graphql`,
    env,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
