import { describe, expect, it } from "vitest";
import { EnvError } from "@plaza/kit";
import { loadCountersConfig } from "./env.ts";

const base = { NODE_ENV: "test", INTERNAL_AUTH_KEY: "k".repeat(32) };

describe("counters configuration", () => {
  it("defaults to one view per viewer and post per minute, ten shares per hour, deltas of 1", () => {
    const config = loadCountersConfig(base);
    expect(config.COUNTER_MAX_DELTA).toBe(1);
    expect([config.COUNTERS_VIEW_RATE_LIMIT, config.COUNTERS_VIEW_RATE_WINDOW_MS]).toEqual([1, 60_000]);
    expect([config.COUNTERS_SHARE_RATE_LIMIT, config.COUNTERS_SHARE_RATE_WINDOW_MS]).toEqual([10, 3_600_000]);
  });

  it("refuses a COUNTER_MAX_DELTA no rate limit could ever grant, naming the limit", () => {
    const load = () => loadCountersConfig({ ...base, COUNTER_MAX_DELTA: "5", COUNTERS_VIEW_RATE_LIMIT: "3" });
    expect(load).toThrow(EnvError);
    expect(load).toThrow(/COUNTER_MAX_DELTA: must be at most COUNTERS_VIEW_RATE_LIMIT \(3\)/);
    expect(() => loadCountersConfig({ ...base, COUNTER_MAX_DELTA: "5", COUNTERS_VIEW_RATE_LIMIT: "5" })).not.toThrow();
  });

  it("refuses zero or negative limits and windows", () => {
    for (const [name, value] of [
      ["COUNTERS_VIEW_RATE_LIMIT", "0"],
      ["COUNTERS_SHARE_RATE_WINDOW_MS", "-1"],
      ["COUNTER_MAX_DELTA", "0"],
    ]) {
      expect(() => loadCountersConfig({ ...base, [name!]: value })).toThrow(new RegExp(name!));
    }
  });
});
