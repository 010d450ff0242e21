import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

// Forced collections make heap sizes comparable between two moments of a test (the flag must be set before gc is
// looked up, and vitest workers do not start with --expose-gc).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Bytes of live heap after two full collections: what a test compares to show memory levels off. */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
