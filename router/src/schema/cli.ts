import { readFile, writeFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_SUPERGRAPH_PATH, SUBGRAPHS_DIR } from "../paths.ts";
import { diffSupergraphs } from "./breaking-changes.ts";
import { checkSupergraph, formatCheckReport, formatDiff } from "./check.ts";
import { composeSupergraph, discoverSubgraphs, renderSupergraphFile } from "./compose.ts";

const USAGE = `usage: schema-cli <compose|check> [--subgraphs <dir>] [--supergraph <file>]
  compose  compose subgraphs/*/schema.graphql and write the supergraph
  check    fail on composition errors, on breaking changes and on a stale committed supergraph`;

async function readIfExists(path: string): Promise<string | null> {
  return readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return null;
    throw err;
  });
}

const out = (text: string) => process.stdout.write(text);

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { subgraphs: { type: "string" }, supergraph: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const command = positionals[0];
  if (values.help || (command !== "compose" && command !== "check")) {
    out(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const subgraphsDir = values.subgraphs ? resolve(values.subgraphs) : SUBGRAPHS_DIR;
  const supergraphPath = values.supergraph ? resolve(values.supergraph) : DEFAULT_SUPERGRAPH_PATH;
  const shownPath = relative(process.cwd(), supergraphPath) || supergraphPath;

  const subgraphs = await discoverSubgraphs(subgraphsDir);
  const names = subgraphs.map((s) => s.name);
  const composition = composeSupergraph(subgraphs);
  const committed = await readIfExists(supergraphPath);

  if (command === "check") {
    const report = checkSupergraph({ composition, committed });
    out(formatCheckReport(report, { supergraphPath: shownPath, subgraphs: names }));
    return report.ok ? 0 : 1;
  }

  if (!composition.ok) {
    const report = checkSupergraph({ composition, committed });
    out(formatCheckReport(report, { supergraphPath: shownPath, subgraphs: names }).replace("schema:check", "schema:compose"));
    return 1;
  }
  const file = renderSupergraphFile(composition.supergraphSdl);
  const lines = [`schema:compose: ${names.length} subgraph(s): ${names.join(", ")}`, ""];
  if (committed !== null && committed.replace(/\r\n/g, "\n").trimEnd() === file.trimEnd()) {
    lines.push(`✓ ${shownPath} is already up to date.`);
  } else {
    if (committed !== null) {
      try {
        lines.push(...formatDiff(diffSupergraphs(committed, composition.supergraphSdl)));
      } catch {
        lines.push(`(the previous ${shownPath} was not a valid supergraph; replaced)`);
      }
    }
    await writeFile(supergraphPath, file);
    lines.push(`✓ wrote ${shownPath}`);
  }
  if (composition.hints.length)
    lines.push(
      "",
      `Composition hints (${composition.hints.length}):`,
      ...composition.hints.map((h) => `  [${h.code}] ${h.message}`),
    );
  out(`${lines.join("\n")}\n`);
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
