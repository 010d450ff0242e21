import DataLoader from "dataloader";
import type { BaseContext } from "@plaza/kit";
import type { Payment } from "../../domain/payment.ts";
import type { LivePayments } from "../../application/live-payments.ts";
import type { Payments } from "../../application/payments.ts";

export interface PaymentsServices {
  payments: Payments;
  live: LivePayments;
  maxPageSize: number;
}

export interface PaymentsContext extends BaseContext {
  services: PaymentsServices;
  /** Per request: by-id lookups (`payment(id)`, `_entities`) become one query per shard. */
  paymentLoader: DataLoader<string, Payment | null>;
}

export function createPaymentsContext(services: PaymentsServices) {
  return (base: BaseContext): PaymentsContext => ({
    ...base,
    services,
    paymentLoader: new DataLoader((ids: readonly string[]) => services.payments.findByIds(ids), { maxBatchSize: 500 }),
  });
}
