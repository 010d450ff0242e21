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

/**
 * `npm start` in a child process, so the load generator does not share its event loop. Uses the real services
 * named in the environment (e.g. the .env of infra:up), else a throw-away embedded data directory.
 */
export async function startProcessStack(extraEnv: Record<string, string> = {}): Promise<ProcessStack> {
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
  const child: ChildProcess = spawn(join(repoRoot, "node_modules/.bin/tsx"), ["packages/launcher/src/main.ts"], {
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
