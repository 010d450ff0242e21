import DataLoader from "dataloader";
import { describe, expect, it } from "vitest";
import { lazyLoader } from "./context.ts";

describe("lazyLoader", () => {
  it("builds its DataLoader on the first call only, and not when the context is copied", async () => {
    let built = 0;
    const loader = lazyLoader(() => {
      built++;
      return new DataLoader(async (keys: readonly string[]) => keys.map((key) => key.length));
    });
    // What envelop does with a context extension.
    Object.assign({}, { loader });
    expect(built).toBe(0);
    expect(await loader.loadMany(["a", "bb"])).toEqual([1, 2]);
    loader.clear("a").prime("a", 7);
    expect(await loader.load("a")).toBe(7);
    expect(built).toBe(1);
  });

  it("is not built by clear or prime alone (a mutation priming its own answer)", async () => {
    let built = 0;
    const loader = lazyLoader(() => {
      built++;
      return new DataLoader(async (keys: readonly string[]) => keys.map(() => 1));
    });
    loader.clear("a").prime("a", 7);
    expect(built).toBe(0);
    expect(await loader.load("a")).toBe(1); // read from the store, not the skipped prime
    expect(built).toBe(1);
  });
});
