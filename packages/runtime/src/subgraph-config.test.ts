import { describe, expect, it } from "vitest";
import { EnvError } from "@plaza/kit";
import { commonSubgraphEnv, loadSubgraphConfig } from "./subgraph-config.ts";

const base = { INTERNAL_AUTH_KEY: "k".repeat(32) };

describe("common subgraph settings", () => {
  it("accepts the router's signature for 30 s unless told otherwise", () => {
    expect(loadSubgraphConfig("users", commonSubgraphEnv, base).INTERNAL_AUTH_MAX_AGE_SECONDS).toBe(30);
    expect(
      loadSubgraphConfig("users", commonSubgraphEnv, { ...base, INTERNAL_AUTH_MAX_AGE_SECONDS: "60" })
        .INTERNAL_AUTH_MAX_AGE_SECONDS,
    ).toBe(60);
  });

  it.each(["0", "4", "301", "3600", "ten", "1.5"])("refuses INTERNAL_AUTH_MAX_AGE_SECONDS=%s", (value) => {
    const load = () => loadSubgraphConfig("users", commonSubgraphEnv, { ...base, INTERNAL_AUTH_MAX_AGE_SECONDS: value });
    expect(load).toThrow(EnvError);
    expect(load).toThrow(/INTERNAL_AUTH_MAX_AGE_SECONDS/);
  });
});
