// The k6 adapter itself, against loopback servers of this test: synchronous HTTP, sleep, setup data, custom
// metrics, the subprotocol header, and that hanging sockets and exceptions fail the run instead of passing it.
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import type { AdapterReport } from "../src/k6-adapter/run.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
let server: Server;
let wss: WebSocketServer;
let dir: string;
const protocols: string[] = [];

function run(fixture: string, extraArgs: string[] = []): Promise<{ report: AdapterReport; exitCode: number }> {
  const reportPath = join(dir, `${fixture}.json`);
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        "--import",
        "tsx",
        "loadtest/src/k6-adapter/run.ts",
        `loadtest/k6/fixtures/${fixture}.ts`,
        "--report",
        reportPath,
        ...extraArgs,
      ],
      {
        cwd: root,
        timeout: 30_000,
        env: {
          ...process.env,
          FIXTURE_HTTP_URL: `http://127.0.0.1:${port}/echo`,
          FIXTURE_WS_URL: `ws://127.0.0.1:${port}/ws`,
        },
      },
      (error) => {
        const report = JSON.parse(readFileSync(reportPath, "utf8")) as AdapterReport;
        resolve({ report, exitCode: typeof error?.code === "number" ? error.code : error ? 1 : 0 });
      },
    );
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "plaza-k6-adapter-"));
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end(body));
  });
  wss = new WebSocketServer({ server, handleProtocols: (offered) => [...offered][0] ?? false });
  wss.on("connection", (socket) => protocols.push(socket.protocol)); // and never closes it
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
});

afterAll(async () => {
  for (const client of wss.clients) client.terminate();
  wss.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("k6 adapter", () => {
  it("runs setup and the iteration with synchronous HTTP, sleep and custom metrics", { timeout: 30_000 }, async () => {
    const { report, exitCode } = await run("adapter-http");
    expect(report.errors).toEqual([]);
    expect(report.checks).toEqual([
      { name: "fixture: HTTP 200", passes: 1, fails: 0 },
      { name: "fixture: echoed body", passes: 1, fails: 0 },
      { name: "fixture: setup data reached the iteration", passes: 1, fails: 0 },
    ]);
    expect(report.samples).toMatchObject({ http_reqs: 1, http_req_duration: 1, http_req_failed: 1, fixture_waited: 1 });
    expect(exitCode).toBe(0);
  });

  it("ends an iteration whose socket never closes at the timeout, as a failure", { timeout: 30_000 }, async () => {
    const { report, exitCode } = await run("adapter-hanging-socket", ["--timeout-ms", "1500"]);
    expect(report.checks).toEqual([{ name: "fixture: socket open", passes: 1, fails: 0 }]);
    expect(report.errors.join("\n")).toMatch(/still 1 socket\(s\) and 0 timer\(s\) after 1500 ms/);
    expect(protocols).toContain("fixture-protocol");
    expect(exitCode).toBe(1);
  });

  it("fails the run when a timer callback throws", { timeout: 30_000 }, async () => {
    const { report, exitCode } = await run("adapter-throwing-timer");
    expect(report.checks).toEqual([{ name: "fixture: ran", passes: 1, fails: 0 }]);
    expect(report.errors.join("\n")).toMatch(/timer callback: Error: boom in a timer/);
    expect(exitCode).toBe(1);
  });
});
