// The k6 adapter's `k6` module: check, group, sleep, fail, randomSeed (what the scenarios use).
import { adapterState, record } from "../state.ts";

export function check<T>(value: T, sets: Record<string, (value: T) => boolean>, _tags?: object): boolean {
  let all = true;
  for (const [name, checker] of Object.entries(sets)) {
    // As in k6, an exception in a checker propagates (and aborts the iteration).
    const ok = Boolean(checker(value));
    const counts = adapterState().checks.get(name) ?? { passes: 0, fails: 0 };
    if (ok) counts.passes++;
    else counts.fails++;
    adapterState().checks.set(name, counts);
    record("checks", "rate", ok ? 1 : 0);
    all &&= ok;
  }
  return all;
}

export function group<T>(_name: string, fn: () => T): T {
  return fn();
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks, as k6's sleep blocks its VU (no event handler runs meanwhile). */
export function sleep(seconds: number): void {
  Atomics.wait(sleeper, 0, 0, Math.max(0, seconds * 1000));
}

export function fail(message?: string): never {
  throw new Error(message ?? "fail()");
}

export function randomSeed(_seed: number): void {
  // Math.random is not seedable in Node; the scenarios do not depend on it.
}

export default { check, group, sleep, fail, randomSeed };
