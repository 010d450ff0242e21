import { runPaymentStoreContract } from "./payment-store.contract.ts";
import { openPaymentsTestShards } from "./support.ts";

runPaymentStoreContract("PGlite shards", () => openPaymentsTestShards("pglite"));
