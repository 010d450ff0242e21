/**
 * pglite-prisma-adapter recognises database errors with `error instanceof DatabaseError` from the
 * copy of @electric-sql/pglite that *it* resolves. In this repository that copy is not ours
 * (Prisma's CLI pins an older PGlite at the top of node_modules), so a unique violation from our
 * PGlite would reach Prisma as an unknown error ("23505") instead of P2002, and callers could not
 * tell a conflict from a crash. This bridge hands the adapter a view of our database whose errors
 * carry the adapter's DatabaseError prototype. When both copies are the same module it does nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { messages, type PGlite, type QueryOptions, type Transaction } from "@electric-sql/pglite";

type Queryable = Pick<Transaction, "query" | "exec">;

let adapterPrototype: Promise<object | null> | undefined;

/** The object to give `new PrismaPGlite(...)` for `db`. */
export async function pgliteForPrismaAdapter(db: PGlite): Promise<unknown> {
  adapterPrototype ??= findAdapterDatabaseErrorPrototype();
  const prototype = await adapterPrototype;
  if (prototype === null) return db;
  const rethrow = (error: unknown): never => {
    if (error instanceof messages.DatabaseError) Object.setPrototypeOf(error, prototype);
    throw error;
  };
  const bridged = (target: Queryable): Queryable => ({
    query: <R>(sql: string, params?: unknown[], options?: QueryOptions) => target.query<R>(sql, params, options).catch(rethrow),
    exec: (sql: string, options?: QueryOptions) => target.exec(sql, options).catch(rethrow),
  });
  const bridgedTransaction = (tx: Transaction): Transaction => ({
    ...bridged(tx),
    sql: tx.sql.bind(tx),
    rollback: () => tx.rollback(),
    listen: tx.listen.bind(tx),
    get closed() {
      return tx.closed;
    },
  });
  return {
    ...bridged(db),
    transaction: <T>(callback: (tx: Transaction) => Promise<T>) =>
      db.transaction((tx) => callback(bridgedTransaction(tx))).catch(rethrow),
    close: () => db.close(),
    get closed() {
      return db.closed;
    },
    get waitReady() {
      return db.waitReady;
    },
  };
}

async function findAdapterDatabaseErrorPrototype(): Promise<object | null> {
  try {
    const require = createRequire(import.meta.url);
    const adapterRequire = createRequire(require.resolve("pglite-prisma-adapter"));
    let dir = dirname(adapterRequire.resolve("@electric-sql/pglite"));
    while (!isPgliteRoot(dir)) {
      const parent = dirname(dir);
      if (parent === dir) return null;
      dir = parent;
    }
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      exports?: { ".": { import?: { default?: string } } };
      module?: string;
    };
    const entry = manifest.exports?.["."].import?.default ?? manifest.module;
    if (!entry) return null;
    const theirs = (await import(pathToFileURL(join(dir, entry)).href)) as typeof import("@electric-sql/pglite");
    const theirClass = theirs.messages.DatabaseError;
    return theirClass === messages.DatabaseError ? null : (theirClass.prototype as object);
  } catch {
    return null; // no separate copy to bridge to
  }
}

function isPgliteRoot(dir: string): boolean {
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "@electric-sql/pglite";
  } catch {
    return false;
  }
}
