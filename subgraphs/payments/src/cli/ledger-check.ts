// `npm run payments:ledger-check`: verifies the double-entry ledger on every payments shard of the deployment in the
// environment / .env (or the embedded PGlite shards under DATA_DIR while `npm start` is not running): every ledger
// transaction sums to zero per currency, and so does every currency overall. Exit 0 when balanced, 1 on any
// imbalance (listed), 2 when the shards cannot be read.
import "dotenv/config";
import { createLogger } from "@plaza/kit";
import { exitOnConfigError } from "@plaza/runtime";
import { createPrismaShards } from "@plaza/sharding";
import { PrismaClient } from "../generated/prisma/client.ts";
import { loadPaymentsConfig } from "../env.ts";
import { checkLedger } from "../adapters/prisma/ledger-check.ts";

// The check serves nothing, so the router's shared key is not needed: a placeholder satisfies the service's schema.
const config = exitOnConfigError(() =>
  loadPaymentsConfig({ INTERNAL_AUTH_KEY: "ledger-check-serves-no-requests-000000", ...process.env }),
);
const logger = createLogger({ service: "payments-ledger-check", level: "warn" });
const started = performance.now();
let exitCode = 0;
try {
  const shards = await createPrismaShards({
    ...(config.shards.kind === "postgres"
      ? { shardUrls: config.shards.shardUrls, poolMax: 2 }
      : { pgliteDirs: config.shards.pgliteDirs }),
    bucketMap: config.shards.bucketMap,
    makeClient: (adapter) => new PrismaClient({ adapter }),
    logger,
  });
  try {
    const report = await checkLedger(shards.router);
    const shardsOut = report.map((shard) => ({
      shard: shard.shard,
      balanced: shard.unbalanced.length === 0 && shard.totals.every((total) => total.total === 0n),
      entries: shard.totals.reduce((sum, total) => sum + Number(total.entries), 0),
      currencies: Object.fromEntries(shard.totals.map((total) => [total.currency, String(total.total)])),
      unbalancedTransactions: shard.unbalanced.map((row) => ({
        txId: row.tx_id,
        currency: row.currency,
        total: String(row.total),
      })),
    }));
    const balanced = shardsOut.every((shard) => shard.balanced);
    if (!balanced) exitCode = 1;
    process.stdout.write(
      `${JSON.stringify({ balanced, durationMs: Math.round(performance.now() - started), shards: shardsOut }, null, 2)}\n`,
    );
  } finally {
    await shards.close();
  }
} catch (err) {
  process.stderr.write(`ledger check failed: ${err instanceof Error ? err.message : String(err)}\n`);
  exitCode = 2;
}
process.exit(exitCode);
