import type { PGlite, Transaction } from "@electric-sql/pglite";
import type { SqlClient, SqlExecutor } from "../outbox/sql-client.ts";

function executor(queryable: PGlite | Transaction): SqlExecutor {
  return {
    async $executeRawUnsafe(sql, ...values) {
      return (await queryable.query(sql, values)).affectedRows ?? 0;
    },
    async $queryRawUnsafe<T>(sql: string, ...values: unknown[]) {
      return (await queryable.query(sql, values)).rows as T;
    },
  };
}

/** A `SqlClient` over an in-process PGlite database (the embedded default's engine). */
export function createPgliteSqlClient(db: PGlite): SqlClient {
  return {
    ...executor(db),
    $transaction: (fn) => db.transaction((tx) => fn(executor(tx))),
  };
}
