import { checkLedger } from "@plaza/payments/ledger";
import { signWebhook } from "@plaza/payments/webhook-signature";
import type { TestStack } from "./test-stack.ts";

/** A `Stripe-Signature` header for `payload`, as the provider would send it (or stale, with an old timestamp). */
export const signedWebhook = signWebhook;

/** Every payments shard's ledger sums to zero, per transaction and per currency. */
export async function ledgerBalanced(stack: TestStack): Promise<boolean> {
  const report = await checkLedger(stack.payments.storage.shards.router);
  return report.every((shard) => shard.unbalanced.length === 0 && shard.totals.every((total) => total.total === 0n));
}
