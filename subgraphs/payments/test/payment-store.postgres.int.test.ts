import { runPaymentStoreContract } from "./payment-store.contract.ts";
import { openPaymentsTestShards } from "./support.ts";

runPaymentStoreContract("Postgres shards", () => openPaymentsTestShards("postgres"));
