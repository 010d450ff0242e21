import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestShards } from "@plaza/testkit";
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import { openPaymentsTestShards } from "./support.ts";

const cli = fileURLToPath(new URL("../src/cli/ledger-check.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));

function runCheck(shardUrls: string[]): Promise<{ code: number; report: { balanced: boolean; shards: unknown[] } }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      [cli],
      { env: { ...process.env, PAYMENTS_DATABASE_SHARD_URLS: shardUrls.join(","), LOG_LEVEL: "silent" }, timeout: 60_000 },
      (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, report: JSON.parse(stdout || "{}") }),
    );
  });
}

describe("npm run payments:ledger-check", () => {
  let shards: TestShards<PrismaClient>;
  beforeAll(async () => {
    shards = await openPaymentsTestShards("postgres");
  });
  afterAll(async () => {
    await shards?.close();
  });

  it("exits 0 on balanced shards and 1, naming the transaction, on an imbalance written behind the trigger's back", async () => {
    const [first, second] = shards.shards.all;
    await first!.client.ledgerEntry.createMany({
      data: [
        { txId: "ok", paymentId: "p", kind: "charge", account: "a", currency: "USD", amount: 10n },
        { txId: "ok", paymentId: "p", kind: "charge", account: "b", currency: "USD", amount: -10n },
      ],
    });
    const balanced = await runCheck(shards.urls);
    expect(balanced.code).toBe(0);
    expect(balanced.report.balanced).toBe(true);

    // Only someone bypassing the database's own guarantee (a superuser disabling the trigger) can get here.
    await second!.sql.query('ALTER TABLE ledger_entries DISABLE TRIGGER "ledger_entries_balanced"');
    await second!.client.ledgerEntry.create({
      data: { txId: "broken", paymentId: "p", kind: "charge", account: "a", currency: "EUR", amount: 7n },
    });
    await second!.sql.query('ALTER TABLE ledger_entries ENABLE TRIGGER "ledger_entries_balanced"');
    const broken = await runCheck(shards.urls);
    expect(broken.code).toBe(1);
    expect(broken.report.balanced).toBe(false);
    expect(JSON.stringify(broken.report.shards)).toContain('"txId":"broken"');
  });
});
