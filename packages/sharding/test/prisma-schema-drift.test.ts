/**
 * The drift check: for every prisma/<subgraph>/schema.prisma, a database built by its committed
 * migrations must be exactly what the schema describes (Prisma's schema engine finds nothing to
 * change). Runs in-process on an in-memory PGlite: no services needed.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchemaDiffer, describeDrift, schemaEngineVersions, type SchemaDiffer } from "../src/schema-diff.ts";
import { repoRoot } from "./helpers.ts";

const prismaRoot = join(repoRoot, "prisma");
const subgraphs = readdirSync(prismaRoot, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(prismaRoot, entry.name, "schema.prisma")))
  .map((entry) => entry.name)
  .sort();

describe("prisma/<subgraph>/schema.prisma and its migrations", () => {
  let differ: SchemaDiffer;
  beforeAll(async () => {
    differ = await createSchemaDiffer();
  }, 120_000);
  afterAll(async () => {
    await differ?.close();
  });

  it("finds the subgraphs", () => {
    expect(subgraphs).toEqual(expect.arrayContaining(["counters", "posts", "users"]));
  });

  it("uses the schema engine of the installed Prisma CLI", () => {
    const { cli, wasm } = schemaEngineVersions();
    expect(wasm, "pin @prisma/schema-engine-wasm (root devDependencies) to the engine version the Prisma CLI reports").toBe(cli);
  });

  it.each(subgraphs)(
    "%s: the migrations produce exactly schema.prisma",
    async (subgraph) => {
      const sql = await differ.diff({
        migrationsDir: join(prismaRoot, subgraph, "migrations"),
        schemaPath: join(prismaRoot, subgraph, "schema.prisma"),
      });
      if (sql !== null) expect.fail(describeDrift(subgraph, sql));
    },
    120_000,
  );
});
