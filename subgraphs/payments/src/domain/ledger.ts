/** One line of a double-entry ledger transaction (amount signed: debit positive, credit negative). */
export interface LedgerLine {
  account: string;
  currency: string;
  amount: bigint;
}

/** Accounts: money held for us by the provider, and what each purpose earned (refunds reverse it). */
export const PROVIDER_CLEARING = "asset:provider-clearing";
export const revenueAccount = (purpose: string) => `revenue:${purpose.toLowerCase()}`;

export function chargeLines(amount: number, currency: string, purpose: string): LedgerLine[] {
  return [
    { account: PROVIDER_CLEARING, currency, amount: BigInt(amount) },
    { account: revenueAccount(purpose), currency, amount: -BigInt(amount) },
  ];
}

export function refundLines(amount: number, currency: string, purpose: string): LedgerLine[] {
  return [
    { account: revenueAccount(purpose), currency, amount: BigInt(amount) },
    { account: PROVIDER_CLEARING, currency, amount: -BigInt(amount) },
  ];
}

/** True when the lines sum to zero in every currency (the database checks the same at commit). */
export function isBalanced(lines: readonly LedgerLine[]): boolean {
  const sums = new Map<string, bigint>();
  for (const line of lines) sums.set(line.currency, (sums.get(line.currency) ?? 0n) + line.amount);
  return [...sums.values()].every((sum) => sum === 0n);
}
