#!/usr/bin/env node
// Launcher for `npm run infra:up` / `infra:down`: runs infra.ts under tsx (the repo's TypeScript runner).
import { spawnSync } from "node:child_process";
import console from "node:console";
import process from "node:process";
import { URL, fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./infra.ts", import.meta.url));
let tsx;
try {
  tsx = import.meta.resolve("tsx");
} catch {
  console.error("infra: tsx is not installed; run `npm install` first.");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", tsx, script, ...process.argv.slice(2)], { stdio: "inherit" });
if (result.error) {
  console.error(`infra: could not start node: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
