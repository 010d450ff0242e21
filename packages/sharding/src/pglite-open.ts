/**
 * Opens a PGlite database, creating it quickly. A new PGlite data directory costs a full initdb
 * (~5-7 s of WebAssembly on our machines); loading a dump of a freshly initialised directory costs
 * ~1.5 s. So the first database created in a process is dumped, and every other new database in
 * the next minute (the other shards, the other services of `npm start`, a test file's databases)
 * starts from that dump. Existing directories simply open (~0.3 s).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";

const TEMPLATE_TTL_MS = 60_000;

let template: Promise<Blob | undefined> | undefined;
let releaseTimer: NodeJS.Timeout | undefined;

function keepTemplate(): void {
  clearTimeout(releaseTimer);
  // The dump is ~40 MB: drop it once start-up is over.
  releaseTimer = setTimeout(() => {
    template = undefined;
  }, TEMPLATE_TTL_MS);
  releaseTimer.unref();
}

function isInitialised(dir: string): boolean {
  return !dir.startsWith("memory://") && existsSync(join(dir, "PG_VERSION"));
}

/** `dir` is a directory or "memory://…". */
export async function openPglite(dir: string): Promise<PGlite> {
  if (isInitialised(dir)) return PGlite.create(dir);
  const dump = template ? await template : undefined;
  if (dump) {
    keepTemplate();
    return PGlite.create(dir, { loadDataDir: dump });
  }
  let settle!: (dump: Blob | undefined) => void;
  const pending = new Promise<Blob | undefined>((resolve) => {
    settle = resolve;
  });
  template = pending;
  try {
    const db = await PGlite.create(dir);
    settle(await db.dumpDataDir("none"));
    keepTemplate();
    return db;
  } catch (error) {
    settle(undefined);
    if (template === pending) template = undefined;
    throw error;
  }
}
