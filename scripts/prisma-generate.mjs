// Generates every subgraph's Prisma client after install.
// Prisma's CLI insists on a native schema engine that these machines cannot download; generate does
// not use it, so we point the CLI at a stub that only answers --version.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync, chmodSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const prismaBin = join(root, "node_modules", ".bin", "prisma");
if (!existsSync(prismaBin)) process.exit(0); // partial install (e.g. a single workspace)

const stubDir = join(root, ".cache");
mkdirSync(stubDir, { recursive: true });
const stub = join(stubDir, "schema-engine-stub.sh");
writeFileSync(stub, '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "schema-engine-cli stub"; exit 0; fi\necho "schema engine unavailable (stub)" >&2; exit 1\n');
chmodSync(stub, 0o755);

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? stub,
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
};
const prismaDir = join(root, "prisma");
for (const name of existsSync(prismaDir) ? readdirSync(prismaDir) : []) {
  const schema = join(prismaDir, name, "schema.prisma");
  if (!existsSync(schema)) continue;
  execFileSync(prismaBin, ["generate", "--schema", schema], { cwd: root, env, stdio: "inherit" });
}
