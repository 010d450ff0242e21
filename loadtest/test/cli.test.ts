// The load-test CLIs with hostile and broken arguments: each is refused with a message, never run.
import { describe, expect, it } from "vitest";
import { intArg, isLoopbackUrl, targetUrl, UsageError } from "../src/cli-args.ts";
import { MAX_LOCAL_SECONDS, planRun } from "../src/loadtest.ts";
import { parseSeedArgs } from "../src/seed.ts";

describe("intArg", () => {
  it.each(["abc", "-1", "1.5", "1e3", "0x10", "", "9007199254740993", "7 users"])("refuses %j", (raw) => {
    expect(() => intArg("users", raw, 1, 1, 1_000_000)).toThrow(UsageError);
  });
  it("accepts bounds and uses the fallback when absent", () => {
    expect(intArg("users", "1", 5, 1, 10)).toBe(1);
    expect(intArg("users", "10", 5, 1, 10)).toBe(10);
    expect(() => intArg("users", "11", 5, 1, 10)).toThrow(/from 1 to 10/);
    expect(intArg("users", undefined, 5, 1, 10)).toBe(5);
  });
});

describe("loopback targets", () => {
  it.each([
    ["http://127.0.0.1:4000/graphql", true],
    ["http://127.9.8.7/graphql", true],
    ["http://localhost:4000/graphql", true],
    ["ws://[::1]:4000/graphql", true],
    ["http://10.0.0.1:4000/graphql", false],
    ["http://192.168.1.2/graphql", false],
    ["http://127.0.0.1.example.com/graphql", false],
    ["http://localhost.example.com/graphql", false],
    ["http://[::ffff:8.8.8.8]/graphql", false],
    ["https://example.com/graphql", false],
    ["file:///etc/passwd", false],
    ["not a url", false],
  ])("%s → %s", (url, loopback) => {
    expect(isLoopbackUrl(url)).toBe(loopback);
  });
  it("refuses others unless allowed", () => {
    expect(() => targetUrl("http://10.1.2.3/graphql")).toThrow(/non-loopback/);
    expect(targetUrl("http://10.1.2.3/graphql", { allowRemote: true })).toBe("http://10.1.2.3/graphql");
    expect(() => targetUrl("javascript:alert(1)", { allowRemote: true })).toThrow(/http\(s\) URL/);
  });
});

describe("npm run loadtest:seed arguments", () => {
  it("reads counts, seed and URL", () => {
    expect(parseSeedArgs(["--users", "50", "--follows", "5", "--posts", "3", "--seed", "9"], {})).toMatchObject({
      users: 50,
      follows: 5,
      posts: 3,
      seed: 9,
      url: "http://127.0.0.1:4000/graphql",
    });
  });
  it.each([
    [["--users", "1"], /--users/],
    [["--users", "many"], /--users/],
    [["--users", "10", "--follows", "10"], /--follows must be an integer from 0 to 9/],
    [["--posts", "-3"], /--posts/],
    [["--seed", "4294967296"], /--seed/],
    [["--concurrency", "0"], /--concurrency/],
    [["--url", "http://203.0.113.9/graphql"], /non-loopback/],
    [["--bogus"], /Unknown option/],
  ])("refuses %j", (args, message) => {
    expect(() => parseSeedArgs(args as string[], {})).toThrow(message);
  });
});

describe("npm run loadtest arguments", () => {
  it("lists the scenarios for an unknown or missing one", () => {
    expect(() => planRun(["nope"], {}, false)).toThrow(/unknown scenario "nope"[\s\S]*feed-read, post-write/);
    expect(() => planRun([], {}, false)).toThrow(/scenarios: feed-read/);
    expect(() => planRun(["feed-read", "mixed"], {}, false)).toThrow(/usage/);
  });
  it("refuses bad numbers and durations", () => {
    expect(() => planRun(["feed-read", "--vus", "lots"], {}, false)).toThrow(/PLAZA_VUS/);
    expect(() => planRun(["progressive", "--max-level", "9"], {}, false)).toThrow(/PLAZA_MAX_LEVEL/);
    expect(() => planRun(["feed-read", "--duration", "forever"], {}, false)).toThrow(/PLAZA_DURATION/);
    expect(() => planRun(["feed-read", "--duration", `${MAX_LOCAL_SECONDS + 1}s`], {}, false)).toThrow(/at most/);
  });
  it("drives only loopback targets itself; k6 gets the settings as its environment", () => {
    expect(() => planRun(["feed-read", "--url", "http://10.0.0.1:4000/graphql"], {}, false)).toThrow(/non-loopback/);
    expect(() => planRun(["feed-read", "--local", "--url", "http://10.0.0.1/graphql"], {}, true)).toThrow(/non-loopback/);
    expect(() => planRun(["chat-send-receive", "--ws-url", "ws://198.51.100.1/graphql"], {}, false)).toThrow(/non-loopback/);
    const plan = planRun(["mixed", "--url", "https://staging.example.com/graphql", "--vus", "20"], { PLAZA_SEED: "3" }, true);
    expect(plan).toMatchObject({
      mode: "k6",
      env: { PLAZA_URL: "https://staging.example.com/graphql", PLAZA_VUS: "20", PLAZA_SEED: "3" },
    });
    expect(planRun(["mixed", "--local"], {}, true).mode).toBe("local");
  });
});
