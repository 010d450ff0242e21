import { spawn } from "node:child_process";
import { homedir } from "node:os";
import { join } from "node:path";
import { findExecutable, isExecutable } from "./executables.ts";
import { findFreePorts, isPortOpen, LOOPBACK_HOST } from "./free-port.ts";
import { MissingDependencyError } from "./install.ts";
import { runCommand } from "./run-command.ts";

/** stripe-mock (MIT): a real Stripe API server for tests, answering from Stripe's OpenAPI spec and fixtures. */
export const STRIPE_MOCK_MODULE = "github.com/stripe/stripe-mock@v0.203.0";

export interface StripeMockHandle {
  /** `http://127.0.0.1:<port>`: what STRIPE_API_BASE takes. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

async function goBinDir(go: string): Promise<string> {
  const gobin = (await runCommand(go, ["env", "GOBIN"])).output.trim();
  if (gobin) return gobin;
  const gopath = (await runCommand(go, ["env", "GOPATH"])).output.trim();
  return join(gopath || join(homedir(), "go"), "bin");
}

/**
 * The stripe-mock binary: `STRIPE_MOCK_BIN`, on PATH, in Go's bin directory, or installed there with
 * `go install github.com/stripe/stripe-mock@v0.203.0` (unless PLAZA_AUTO_INSTALL=0), as the tests do for Kafka.
 */
export async function ensureStripeMockInstalled(options: { autoInstall?: boolean } = {}): Promise<string> {
  const configured = process.env.STRIPE_MOCK_BIN;
  if (configured) {
    if (isExecutable(configured)) return configured;
    throw new MissingDependencyError(`STRIPE_MOCK_BIN=${configured} is not executable`);
  }
  const onPath = findExecutable("stripe-mock");
  if (onPath) return onPath;
  const go = findExecutable("go") ?? (isExecutable("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : undefined);
  const fallback = join(homedir(), "go", "bin", "stripe-mock");
  if (!go) {
    if (isExecutable(fallback)) return fallback;
    throw new MissingDependencyError("Go is needed to install stripe-mock (go install " + STRIPE_MOCK_MODULE + ")");
  }
  const installed = join(await goBinDir(go), "stripe-mock");
  if (isExecutable(installed)) return installed;
  if (options.autoInstall === false || process.env.PLAZA_AUTO_INSTALL === "0")
    throw new MissingDependencyError(`missing; install it with: go install ${STRIPE_MOCK_MODULE}`);
  const result = await runCommand(go, ["install", STRIPE_MOCK_MODULE], { timeoutMs: 600_000 });
  if (result.code !== 0 || !isExecutable(installed))
    throw new MissingDependencyError(`go install ${STRIPE_MOCK_MODULE} failed:\n${result.output.slice(-2000)}`);
  return installed;
}

/** Starts stripe-mock on a free loopback port (HTTP only); `stop()` ends it. */
export async function startStripeMock(
  options: { autoInstall?: boolean; startTimeoutMs?: number } = {},
): Promise<StripeMockHandle> {
  const binary = await ensureStripeMockInstalled(options);
  // Both listeners on free loopback ports: left alone, stripe-mock also binds HTTPS on :12112 on every interface.
  const [port = 0, httpsPort = 0] = await findFreePorts(2);
  const child = spawn(binary, ["-http-addr", `${LOOPBACK_HOST}:${port}`, "-https-addr", `${LOOPBACK_HOST}:${httpsPort}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await isPortOpen(port, LOOPBACK_HOST, 500))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`stripe-mock did not start on port ${port}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://${LOOPBACK_HOST}:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
