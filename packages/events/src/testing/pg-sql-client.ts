import pg from "pg";
import type { SqlClient, SqlExecutor } from "../outbox/sql-client.ts";

function executor(queryable: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async $executeRawUnsafe(sql, ...values) {
      return (await queryable.query(sql, values)).rowCount ?? 0;
    },
    async $queryRawUnsafe<T>(sql: string, ...values: unknown[]) {
      return (await queryable.query(sql, values)).rows as T;
    },
  };
}

/** A `SqlClient` over a `pg` pool, for tests and tools that do not use a Prisma client. */
export function createPgSqlClient(pool: pg.Pool): SqlClient {
  return {
    ...executor(pool),
    async $transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(executor(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
