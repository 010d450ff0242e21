import { openTestShards } from "@plaza/testkit";
import { PrismaClient } from "../src/generated/prisma/client.ts";
import { PAYMENTS_MIGRATIONS_DIR } from "../src/service.ts";

export function openPaymentsTestShards(kind: "postgres" | "pglite") {
  return openTestShards({
    kind,
    prefix: "payments",
    migrationsDir: PAYMENTS_MIGRATIONS_DIR,
    makeClient: (adapter) => new PrismaClient({ adapter }),
  });
}
