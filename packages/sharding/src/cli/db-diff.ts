/**
 * npm run db:diff -- <subgraph> <name>          write the migration that prisma/<subgraph>/schema.prisma needs
 * npm run db:diff -- --check [subgraph ...]     fail when any schema.prisma and its migrations disagree
 *   [--root <dir>]                              repository root (default: this checkout)
 *
 * The first form diffs what prisma/<subgraph>/migrations produce against schema.prisma with Prisma's
 * WebAssembly schema engine (offline, shadow database in memory: see ../schema-diff.ts) and writes the
 * difference as prisma/<subgraph>/migrations/<UTC timestamp>_<name>/migration.sql, the layout the runner
 * (`npm run db:migrate`) applies. When they already agree it prints "no changes" and writes nothing.
 * Exit codes: 0 done (or no changes), 1 drift (--check) or failure, 2 bad arguments.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  identifierProblem,
  MAX_MIGRATION_NAME_LENGTH,
  MAX_SUBGRAPH_NAME_LENGTH,
  newMigrationDirName,
} from "../migration-names.ts";
import { defaultRoot } from "./subgraphs.ts";

const USAGE = [
  "usage: npm run db:diff -- <subgraph> <name>        write prisma/<subgraph>/migrations/<timestamp>_<name>/migration.sql",
  "       npm run db:diff -- --check [subgraph ...]   exit 1 when a schema.prisma and its migrations disagree",
  "       (subgraph and name: a-z, 0-9 and _ only)",
].join("\n");

class UsageError extends Error {}

interface PrismaSubgraph {
  readonly name: string;
  readonly schemaPath: string;
  readonly migrationsDir: string;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      root: { type: "string" },
      check: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const root = resolve(values.root ?? defaultRoot);
  if (values.check) {
    const subgraphs = findSubgraphs(root, positionals);
    if (subgraphs.length === 0) throw new UsageError(`no prisma/<subgraph>/schema.prisma under ${root}`);
    return check(await loadEngine(), subgraphs);
  }
  if (positionals.length !== 2) throw new UsageError(`expected <subgraph> <name>, got ${positionals.length} argument(s)`);
  const [subgraphName, name] = positionals as [string, string];
  const problem = identifierProblem("migration name", name, MAX_MIGRATION_NAME_LENGTH);
  if (problem) throw new UsageError(problem);
  const [subgraph] = findSubgraphs(root, [subgraphName]);
  return write(await loadEngine(), root, subgraph!, name);
}

type Engine = typeof import("../schema-diff.ts");

/** The engine and PGlite modules, loaded only once the arguments are known to be good (they take a while). */
async function loadEngine(): Promise<Engine> {
  const engine = await import("../schema-diff.ts");
  const versions = engine.schemaEngineVersions();
  if (versions.cli !== versions.wasm) {
    throw new Error(
      `@prisma/schema-engine-wasm ${versions.wasm} is not the engine of the installed Prisma CLI (${versions.cli}): ` +
        `pin it to ${versions.cli} in the root package.json`,
    );
  }
  return engine;
}

/** prisma/<name>/schema.prisma for every `only` (validated), or for every subgraph that has one. */
function findSubgraphs(root: string, only: readonly string[]): PrismaSubgraph[] {
  const prismaRoot = join(root, "prisma");
  const known = existsSync(prismaRoot)
    ? readdirSync(prismaRoot, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(prismaRoot, entry.name, "schema.prisma")))
        .map((entry) => entry.name)
        .sort()
    : [];
  const problems: string[] = [];
  for (const name of only) {
    const problem = identifierProblem("subgraph", name, MAX_SUBGRAPH_NAME_LENGTH);
    if (problem) problems.push(problem);
    else if (!known.includes(name)) problems.push(`no prisma/${name}/schema.prisma (subgraphs: ${known.join(", ") || "none"})`);
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return (only.length > 0 ? only : known).map((name) => ({
    name,
    schemaPath: join(prismaRoot, name, "schema.prisma"),
    migrationsDir: join(prismaRoot, name, "migrations"),
  }));
}

async function check({ createSchemaDiffer, describeDrift }: Engine, subgraphs: readonly PrismaSubgraph[]): Promise<number> {
  const differ = await createSchemaDiffer();
  let drifted = 0;
  try {
    for (const subgraph of subgraphs) {
      const sql = await differ.diff(subgraph);
      if (sql === null) {
        console.log(`${subgraph.name}: schema.prisma and migrations agree`);
      } else {
        drifted++;
        console.error(describeDrift(subgraph.name, sql));
      }
    }
  } finally {
    await differ.close();
  }
  return drifted > 0 ? 1 : 0;
}

async function write(
  { createSchemaDiffer, MIGRATION_LOCK }: Engine,
  root: string,
  subgraph: PrismaSubgraph,
  name: string,
): Promise<number> {
  const differ = await createSchemaDiffer();
  try {
    const sql = await differ.diff(subgraph);
    if (sql === null) {
      console.log(`${subgraph.name}: no changes (schema.prisma and migrations agree); nothing written`);
      return 0;
    }
    const { migrationsDir } = subgraph;
    // Refuse a symlinked migrations directory: the file must land inside the repository.
    if (existsSync(migrationsDir) && !lstatSync(migrationsDir).isDirectory()) {
      throw new Error(`${relative(root, migrationsDir)} is not a directory`);
    }
    mkdirSync(migrationsDir, { recursive: true });
    const lockFile = join(migrationsDir, "migration_lock.toml");
    if (!existsSync(lockFile)) writeFileSync(lockFile, MIGRATION_LOCK, { flag: "wx" });
    const existing = readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const dir = join(migrationsDir, newMigrationDirName(existing, name, new Date()));
    mkdirSync(dir); // fails if it exists: never overwrite a migration
    const file = join(dir, "migration.sql");
    writeFileSync(file, sql, { flag: "wx" });
    console.log(`${subgraph.name}: wrote ${relative(root, file)}\n\n${sql.trimEnd()}\n`);

    // The new migration must apply (on the shadow database) and leave nothing to do.
    const rest = await differ.diff(subgraph);
    if (rest !== null) {
      console.error(`after ${relative(root, file)} the migrations still differ from schema.prisma:\n\n${rest}`);
      return 1;
    }
    console.log(
      "Review it before committing (a required column without a default cannot be added to a non-empty table; " +
        "renames come out as drop + add), then: npm run postinstall (regenerates the Prisma clients) and npm run db:migrate.",
    );
    return 0;
  } finally {
    await differ.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`db:diff: ${error.message}\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(`db:diff failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
