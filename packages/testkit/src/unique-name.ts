import { randomBytes } from "node:crypto";

let counter = 0;

/**
 * A name no other test (in this run or a parallel one) will pick: for Kafka topics, consumer groups,
 * Redis key prefixes. Only `[a-z0-9._-]` so it is valid everywhere those names are used.
 */
export function uniqueName(prefix: string): string {
  counter += 1;
  const safePrefix =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "test";
  return `${safePrefix}-${process.pid.toString(36)}${counter.toString(36)}-${randomBytes(4).toString("hex")}`;
}
