import { createTestDatabase, createTestPgPool } from "@plaza/testkit";
import pg from "pg";
import { createPgSqlClient } from "../testing/pg-sql-client.ts";
import { runOutboxRelaySuite } from "./outbox-relay.suite.ts";

runOutboxRelaySuite("PostgreSQL", async () => {
  const database = await createTestDatabase("events_outbox");
  const pools: pg.Pool[] = [];
  return {
    connect: () => {
      const pool = createTestPgPool(database.url, { max: 4 });
      pools.push(pool);
      return createPgSqlClient(pool);
    },
    close: async () => {
      await Promise.all(pools.map((pool) => pool.end()));
      await database.drop();
    },
  };
});
