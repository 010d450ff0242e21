import type { Shard, ShardRouter } from "@plaza/sharding";
import type { PrismaClient } from "../../generated/prisma/client.ts";

/** Ledger sums per shard: every transaction balanced, and every currency's total zero. */
export async function checkLedger(shards: ShardRouter<Shard<PrismaClient>>) {
  return Promise.all(
    shards.all().map(async (shard) => {
      const unbalanced = await shard.client.$queryRaw<Array<{ tx_id: string; currency: string; total: bigint }>>`
        SELECT tx_id, currency, SUM(amount)::bigint AS total FROM ledger_entries GROUP BY tx_id, currency HAVING SUM(amount) <> 0 LIMIT 100`;
      const totals = await shard.client.$queryRaw<Array<{ currency: string; total: bigint; entries: bigint }>>`
        SELECT currency, SUM(amount)::bigint AS total, COUNT(*)::bigint AS entries FROM ledger_entries GROUP BY currency`;
      return { shard: shard.name, unbalanced, totals };
    }),
  );
}
