// Proof of the k6 scenarios (k6 itself is AGPL and never runs here): every script's default function runs once,
// through the adapter of the k6 modules it imports, against the e2e stack (router + subgraphs on real Postgres,
// Redis, Kafka), after a small seed; every check must pass and handleSummary must write its JSON and Markdown.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "@plaza/launcher/test-stack";
import { SCENARIOS } from "../k6/lib/scenarios.ts";
import type { AdapterReport } from "../src/k6-adapter/run.ts";
import { runSeed } from "../src/seed.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SEED = 4242;

/** The checks that show a scenario did its work (not only its setup). */
const KEY_CHECKS: Record<(typeof SCENARIOS)[number], string[]> = {
  "feed-read": ["Feed: correct answer"],
  "post-write": ["CreatePost: correct answer"],
  "counter-increment": ["IncrementCounter: correct answer"],
  likes: ["LikePost: correct answer", "UnlikePost: correct answer"],
  "chat-send-receive": ["SendMessage: correct answer", "chat: subscription delivered", "chat: every message received"],
  mixed: [
    "Feed: correct answer",
    "Post: correct answer",
    "Conversations: correct answer",
    "LikePost: correct answer",
    "IncrementCounter: correct answer",
    "CreatePost: correct answer",
    "SendMessage: correct answer",
  ],
  progressive: ["Feed: correct answer", "SendMessage: correct answer"],
};

function runScenario(
  scenario: string,
  url: string,
  dir: string,
  script = `loadtest/k6/${scenario}.ts`,
): Promise<{ report: AdapterReport; output: string; exitCode: number }> {
  const reportPath = join(dir, `${scenario}.report.json`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "loadtest/src/k6-adapter/run.ts", script, "--report", reportPath],
      {
        cwd: root,
        timeout: 60_000,
        env: {
          ...process.env,
          PLAZA_URL: url,
          PLAZA_SEED: String(SEED),
          PLAZA_VIEWERS: "4",
          // mixed and progressive: every operation of the mix once, instead of one drawn at random.
          PLAZA_SMOKE: "1",
          PLAZA_RESULTS_DIR: dir,
        },
      },
      (error, stdout, stderr) => {
        let report: AdapterReport;
        try {
          report = JSON.parse(readFileSync(reportPath, "utf8")) as AdapterReport;
        } catch {
          report = { script: scenario, checks: [], errors: ["no report"], samples: {}, summaryFiles: [], ok: false };
        }
        resolve({
          report,
          output: `${stdout}\n${stderr}`,
          exitCode: typeof error?.code === "number" ? error.code : error ? 1 : 0,
        });
      },
    );
  });
}

describe("k6 scenarios, each default function run once through the k6 adapter", () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "plaza-k6-"));
    stack = await startTestStack();
    await runSeed({ url: stack.routerUrl, users: 6, follows: 3, posts: 2, seed: SEED, concurrency: 3 });
  });

  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(SCENARIOS)("%s: every check passes and handleSummary writes JSON and Markdown", async (scenario) => {
    const { report, output } = await runScenario(scenario, stack.routerUrl, dir);
    const failed = report.checks.filter((c) => c.fails > 0);
    expect({ failed, errors: report.errors }, output).toEqual({ failed: [], errors: [] });
    const passed = report.checks.filter((c) => c.passes > 0).map((c) => c.name);
    expect(passed).toEqual(expect.arrayContaining(KEY_CHECKS[scenario]));
    expect(report.summaryFiles).toEqual([join(dir, `k6-${scenario}.json`), join(dir, `k6-${scenario}.md`)]);
    const summary = JSON.parse(readFileSync(join(dir, `k6-${scenario}.json`), "utf8")) as { metrics: Record<string, unknown> };
    expect(summary.metrics).toHaveProperty("http_req_duration");
    if (scenario === "chat-send-receive") expect(summary.metrics).toHaveProperty("chat_send_to_receive");
    expect(report.ok).toBe(true);
  });

  it("a script whose query breaks fails: its check fails and the adapter exits non-zero", async () => {
    const { report, exitCode } = await runScenario("broken-query", stack.routerUrl, dir, "loadtest/k6/fixtures/broken-query.ts");
    expect(report.checks).toContainEqual({ name: "Broken: correct answer", passes: 0, fails: 1 });
    expect(report.ok).toBe(false);
    expect(exitCode).toBe(1);
  });
});
