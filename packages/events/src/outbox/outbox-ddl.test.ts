import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OUTBOX_TABLE_DDL, OUTBOX_TABLE_STATEMENTS } from "./outbox-ddl.ts";

describe("outbox DDL", () => {
  it("matches outbox.sql, which migrations copy", () => {
    expect(OUTBOX_TABLE_DDL).toBe(readFileSync(new URL("./outbox.sql", import.meta.url), "utf8"));
  });

  it("splits into single statements without comments", () => {
    expect(OUTBOX_TABLE_STATEMENTS).toHaveLength(3);
    expect(OUTBOX_TABLE_STATEMENTS[0]).toMatch(/^CREATE TABLE IF NOT EXISTS outbox_events \(/);
    for (const statement of OUTBOX_TABLE_STATEMENTS) {
      expect(statement).not.toMatch(/--|;/);
    }
  });
});
