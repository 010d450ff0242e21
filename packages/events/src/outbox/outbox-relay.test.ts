import { PGlite } from "@electric-sql/pglite";
import { createPgliteSqlClient } from "../testing/pglite-sql-client.ts";
import { runOutboxRelaySuite } from "./outbox-relay.suite.ts";

// PGlite is the embedded default's database: in-process WebAssembly Postgres, no service needed.
runOutboxRelaySuite("PGlite", async () => {
  const pglite = await PGlite.create();
  return {
    connect: () => createPgliteSqlClient(pglite),
    close: () => pglite.close(),
  };
});
