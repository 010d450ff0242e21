import { describe, expect, it } from "vitest";
import { readConfig } from "../k6/lib/config.ts";
import { answerIsCorrect, FEED, INCREMENT_VIEW, INCREMENT_VIEW_OR_LIMITED } from "../k6/lib/operations.ts";
import { k6Thresholds, LEVELS, MIX, pickMixOp, progressiveOptions, selectedLevels } from "../k6/lib/scenarios.ts";
import { followsOf, postBody, prng, seededUser } from "../k6/lib/seed-plan.ts";
import { markdownSummary, summaryFiles } from "../k6/lib/summary.ts";

describe("seed plan", () => {
  it("is the same for the same seed and differs for another", () => {
    expect(Array.from({ length: 5 }, prng(7))).toEqual(Array.from({ length: 5 }, prng(7)));
    expect(Array.from({ length: 5 }, prng(7))).not.toEqual(Array.from({ length: 5 }, prng(8)));
    expect(followsOf(3, 10, 1000, 20)).toEqual(followsOf(3, 10, 1000, 20));
    expect(postBody(3, 1, 2)).toEqual(postBody(3, 1, 2));
  });

  it.each([
    [0, 2, 5],
    [5, 10, 9],
    [99, 100, 60],
    [1, 1000, 10],
  ])("user %i of %i follows min(%i, users - 1) distinct others, never itself", (index, users, follows) => {
    const chosen = followsOf(1, index, users, follows);
    expect(chosen).toHaveLength(Math.min(follows, users - 1));
    expect(new Set(chosen).size).toBe(chosen.length);
    expect(chosen).not.toContain(index);
    expect(chosen.every((other) => other >= 0 && other < users)).toBe(true);
  });

  it("makes handles and passwords users accepts, even for the largest seed and a big index", () => {
    const user = seededUser(0xffffffff, 9_999_999);
    expect(user.handle).toMatch(/^[a-z0-9_]{3,30}$/);
    expect(user.password.length).toBeGreaterThanOrEqual(10);
    expect(user.password).toMatch(/[a-z]/);
    expect(user.password).toMatch(/\d/);
    expect(postBody(1, 0, 7)).toMatch(/ #7$/);
  });
});

describe("scenario settings", () => {
  it("defaults to the local router and derives the ws URL", () => {
    const config = readConfig({});
    expect(config).toMatchObject({ url: "http://127.0.0.1:4000/graphql", wsUrl: "ws://127.0.0.1:4000/graphql", seed: 1 });
  });

  it("names every bad setting at once", () => {
    expect(() =>
      readConfig({ PLAZA_URL: "ftp://x", PLAZA_VUS: "0", PLAZA_SEED: "-1", PLAZA_LEVEL: "6", PLAZA_DURATION: "soon" }),
    ).toThrow(/PLAZA_URL[\s\S]*PLAZA_DURATION[\s\S]*PLAZA_SEED[\s\S]*PLAZA_VUS[\s\S]*PLAZA_LEVEL/);
    for (const bad of ["1.5", "1e3", "", " ", "12abc", "99999999999999999999"])
      if (bad.trim() !== "") expect(() => readConfig({ PLAZA_VIEWERS: bad })).toThrow(/PLAZA_VIEWERS/);
  });
});

describe("mixed workload", () => {
  it("draws operations in the documented proportions (85% reads)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++) counts.set(pickMixOp(i / 1000), (counts.get(pickMixOp(i / 1000)) ?? 0) + 1);
    for (const { op, weight } of MIX) expect(counts.get(op)).toBe(weight * 10);
    expect((counts.get("feed")! + counts.get("post")! + counts.get("conversations")!) / 1000).toBe(0.85);
    expect(pickMixOp(0.999999)).toBe(MIX[MIX.length - 1]!.op);
  });
});

describe("thresholds and levels", () => {
  it("writes k6 threshold expressions, per tag when asked", () => {
    expect(k6Thresholds({ httpFailedRate: 0.01, p95Ms: 500, p99Ms: 1000, checksRate: 0.99, chatP95Ms: 800 }, "level:2")).toEqual({
      "http_req_failed{level:2}": ["rate<0.01"],
      "http_req_duration{level:2}": ["p(95)<500", "p(99)<1000"],
      "checks{level:2}": ["rate>0.99"],
      "chat_send_to_receive{level:2}": ["p(95)<800"],
    });
  });

  it("runs the five levels one after the other, or the ones selected", () => {
    expect(LEVELS.map((l) => `${l.iterations}@${l.vus}`)).toEqual([
      "1000@10",
      "5000@50",
      "10000@100",
      "50000@500",
      "100000@1000",
    ]);
    const options = progressiveOptions({ level: undefined, maxLevel: undefined } as never);
    expect(Object.values(options.scenarios).map((s) => s.startTime)).toEqual(["0s", "130s", "320s", "630s", "1240s"]);
    expect(selectedLevels({ level: 3, maxLevel: undefined }).map((l) => l.level)).toEqual([3]);
    expect(selectedLevels({ level: undefined, maxLevel: 2 }).map((l) => l.level)).toEqual([1, 2]);
  });
});

describe("answers", () => {
  it("counts a GraphQL error as a wrong answer unless the operation accepts its code", () => {
    const limited = { data: null, errors: [{ message: "slow down", extensions: { code: "RATE_LIMITED" } }] };
    expect(answerIsCorrect(INCREMENT_VIEW, limited)).toBe(false);
    expect(answerIsCorrect(INCREMENT_VIEW_OR_LIMITED, limited)).toBe(true);
    expect(
      answerIsCorrect(FEED, { errors: [{ message: "Cannot query field", extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }] }),
    ).toBe(false);
    expect(answerIsCorrect(FEED, { data: { feed: { edges: [], pageInfo: { hasNextPage: false } } } })).toBe(true);
    expect(answerIsCorrect(FEED, { data: { feed: null } })).toBe(false);
    expect(answerIsCorrect(FEED, "not json")).toBe(false);
  });
});

describe("summary", () => {
  it("writes JSON and Markdown with every threshold's verdict", () => {
    const data = {
      metrics: {
        http_req_duration: {
          type: "trend" as const,
          values: { avg: 1, med: 1, "p(90)": 2, "p(95)": 3, "p(99)": 4, max: 5, count: 6 },
          thresholds: { "p(95)<2": { ok: false } },
        },
        checks: { type: "rate" as const, values: { rate: 1, passes: 6, fails: 0 } },
      },
      root_group: { name: "", checks: [{ name: "Feed: correct answer", passes: 6, fails: 0 }], groups: [] },
    };
    const files = summaryFiles("feed-read", data, "out");
    expect(Object.keys(files)).toEqual(["out/k6-feed-read.json", "out/k6-feed-read.md", "stdout"]);
    expect(JSON.parse(files["out/k6-feed-read.json"]!)).toEqual(data);
    expect(markdownSummary("feed-read", data)).toContain("| `http_req_duration`: `p(95)<2` | **FAILED** |");
    expect(files.stdout).toContain("thresholds 0/1 passed (failed: http_req_duration p(95)<2)");
  });

  it("charts p95 and p99 per level of a progressive run", () => {
    const level = (p95: number, p99: number) => ({ type: "trend" as const, values: { "p(95)": p95, "p(99)": p99 } });
    const data = {
      metrics: { "http_req_duration{level:2}": level(20.4, 40), "http_req_duration{level:1}": level(10, 15.6) },
      root_group: { name: "", checks: [], groups: [] },
    };
    const markdown = markdownSummary("progressive", data);
    expect(markdown).toContain('x-axis ["level 1", "level 2"]');
    expect(markdown).toContain("bar [10, 20]");
    expect(markdown).toContain("line [16, 40]");
  });
});
