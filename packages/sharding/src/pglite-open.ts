/**
 * Opens a PGlite database, creating it quickly. A new PGlite data directory costs a full initdb
 * (~6-10 s of WebAssembly on our machines); loading a dump of a freshly initialised directory costs
 * ~1.5 s. So a freshly initialised database is dumped once per PGlite version into
 * node_modules/.cache/plaza-pglite/ (git-ignored, next to the dependencies it belongs to), and
 * every new database — every shard, service, test worker and later run — starts from that dump.
 * Existing directories simply open (~0.3 s).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";

const TEMPLATE_TTL_MS = 60_000;

// In memory: the template for this process (dropped a minute after its last use: it is ~40 MB).
let template: Promise<Blob | undefined> | undefined;
let releaseTimer: NodeJS.Timeout | undefined;

function keepTemplate(): void {
  clearTimeout(releaseTimer);
  releaseTimer = setTimeout(() => {
    template = undefined;
  }, TEMPLATE_TTL_MS);
  releaseTimer.unref();
}

function isInitialised(dir: string): boolean {
  return !dir.startsWith("memory://") && existsSync(join(dir, "PG_VERSION"));
}

/** `<repo>/node_modules/.cache/plaza-pglite/pglite-<version>.tar`, or null outside an installed checkout. */
function templateFile(): string | null {
  try {
    const require = createRequire(import.meta.url);
    let dir = dirname(require.resolve("@electric-sql/pglite"));
    while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
    const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
    const nodeModules = join(fileURLToPath(new URL("../../..", import.meta.url)), "node_modules");
    if (!existsSync(nodeModules)) return null;
    return join(nodeModules, ".cache", "plaza-pglite", `pglite-${version}.tar`);
  } catch {
    return null;
  }
}

function readTemplate(file: string | null): Blob | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    return new Blob([readFileSync(file)]);
  } catch {
    return undefined;
  }
}

async function writeTemplate(file: string | null, dump: Blob): Promise<void> {
  if (!file) return;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file); // atomic: concurrent writers leave one whole file
  } catch {
    // A cache only: failing to write it costs the next process an initdb.
  }
}

/** A dump of a freshly initialised database: from the cache file, else made once (and cached). */
function obtainTemplate(file: string | null): Promise<Blob | undefined> {
  template ??= (async () => {
    const cached = readTemplate(file);
    if (cached) return cached;
    const scratch = await PGlite.create("memory://");
    try {
      const dump = await scratch.dumpDataDir("none");
      await writeTemplate(file, dump);
      return dump;
    } finally {
      await scratch.close();
    }
  })().catch(() => undefined);
  keepTemplate();
  return template;
}

/** `dir` is a directory or "memory://…". */
export async function openPglite(dir: string): Promise<PGlite> {
  if (isInitialised(dir)) return PGlite.create(dir);
  const onDisk = !dir.startsWith("memory://");
  if (onDisk) mkdirSync(dir, { recursive: true });
  const file = templateFile();
  const dump = await obtainTemplate(file);
  if (dump) {
    try {
      return await PGlite.create(dir, { loadDataDir: dump });
    } catch {
      // A damaged cache file: forget it and initialise this one from scratch.
      template = undefined;
      if (file) rmSync(file, { force: true });
      if (onDisk) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
      }
    }
  }
  return PGlite.create(dir);
}
