// `npm run lint:layers`: dependency-cruiser with the rules of .dependency-cruiser.cjs, plus one rule it cannot
// express on resolved paths: no deep imports (`<package>/dist/…`, `<package>/src/…`) of third-party packages,
// whose internals change without notice, except in the files listed here (each with its reason).
import { cruise, format } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";

const ROOTS = ["router", "subgraphs", "packages", "loadtest"];

/** file → why it may deep-import. Shrink this list; never grow it without a reason a reviewer accepts. */
export const DEEP_IMPORT_ALLOW_LIST = {
  // The router's federation engine (router/src/engine/README.md lists every Apollo internal it relies on).
  "router/src/engine/apollo-single-fetch.ts": "@apollo/gateway's GraphQLDataSourceRequestKind is not exported from its index",
  // The type of buildSubgraphSchema's resolver map; @apollo/subgraph does not export it from its index.
  "packages/kit/src/subgraph-server.ts": "@apollo/subgraph's GraphQLResolverMap type",
  // Patches kafkajs' request queue (1 ms idle timer); the patch and its test need the internal class.
  "packages/events/src/adapters/kafkajs-idle-timer-fix.ts": "kafkajs RequestQueue (idle-timer patch)",
  "packages/events/src/adapters/kafkajs-idle-timer-fix.test.ts": "kafkajs RequestQueue (idle-timer patch test)",
};

const DEEP = /^(?:@[^/]+\/)?[^./@][^/]*\/(?:.+\/)?(?:dist|src)\//;

const options = await extractDepcruiseOptions("./.dependency-cruiser.cjs");
const tsConfig = extractTSConfig(options.tsConfig.fileName);
const { output } = await cruise(ROOTS, { ...options, outputType: "json" }, undefined, { tsConfig });
const result = typeof output === "string" ? JSON.parse(output) : output;

const deepImports = [];
for (const module of result.modules) {
  if (module.source.startsWith("node_modules/") || module.source in DEEP_IMPORT_ALLOW_LIST) continue;
  for (const dependency of module.dependencies) {
    if (!dependency.dependencyTypes.some((type) => type.startsWith("npm")) || !DEEP.test(dependency.module)) continue;
    deepImports.push({ from: module.source, module: dependency.module });
  }
}

const report = await format(result, { outputType: "err-long" });
process.stdout.write(typeof report.output === "string" ? report.output : "");
for (const { from, module } of deepImports) {
  process.stdout.write(
    `  error no-deep-third-party-imports: ${from} → ${module}\n` +
      "    Import the package's public entry; a file that must reach an internal goes on DEEP_IMPORT_ALLOW_LIST\n" +
      "    in scripts/lint-layers.mjs, with its reason.\n\n",
  );
}
if (deepImports.length > 0)
  process.stdout.write(`x ${deepImports.length} deep third-party import(s) outside the allow-list.\n\n`);
process.exitCode = result.summary.error > 0 || deepImports.length > 0 ? 1 : 0;
