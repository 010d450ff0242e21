import { diffSupergraphs, type ApiSchemaDiff } from "./breaking-changes.ts";
import { renderSupergraphFile, type CompositionIssue, type CompositionOutcome } from "./compose.ts";

export type CheckStatus =
  /** The subgraphs do not compose. */
  | "composition-failed"
  /** No committed supergraph to compare with. */
  | "missing"
  /** The committed file cannot be read as a supergraph. */
  | "committed-invalid"
  /** The committed supergraph is exactly what composition produces now. */
  | "up-to-date"
  /** Composition changed the supergraph without breaking clients: regenerate and commit. */
  | "stale"
  /** Composition changed the supergraph in ways that break clients of the committed one. */
  | "breaking";

export interface CheckReport {
  ok: boolean;
  status: CheckStatus;
  errors: CompositionIssue[];
  hints: CompositionIssue[];
  diff?: ApiSchemaDiff;
  detail?: string;
}

const normalize = (text: string) => text.replace(/\r\n/g, "\n").trimEnd();

/**
 * Pure decision of `schema:check`. A committed supergraph that already equals a fresh composition passes even
 * if it once broke clients: regenerating it with `schema:compose` (and committing it) is the explicit acceptance.
 */
export function checkSupergraph(input: { composition: CompositionOutcome; committed: string | null }): CheckReport {
  const { composition, committed } = input;
  if (!composition.ok) return { ok: false, status: "composition-failed", errors: composition.errors, hints: [] };
  const base = { errors: [], hints: composition.hints };
  if (committed === null) return { ...base, ok: false, status: "missing" };
  const fresh = renderSupergraphFile(composition.supergraphSdl);
  if (normalize(fresh) === normalize(committed)) return { ...base, ok: true, status: "up-to-date" };
  let diff: ApiSchemaDiff;
  try {
    diff = diffSupergraphs(committed, composition.supergraphSdl);
  } catch (err) {
    return { ...base, ok: false, status: "committed-invalid", detail: err instanceof Error ? err.message : String(err) };
  }
  return { ...base, ok: false, status: diff.breaking.length ? "breaking" : "stale", diff };
}

function section(title: string, lines: string[]): string[] {
  return lines.length ? [title, ...lines.map((l) => `  ${l}`), ""] : [];
}

function issueLines(issues: CompositionIssue[]): string[] {
  return issues.flatMap((i) => [`[${i.code}] ${i.message}`, ...i.locations.map((l) => `    at ${l}`)]);
}

export function formatDiff(diff: ApiSchemaDiff): string[] {
  return [
    ...section(
      `Breaking changes (${diff.breaking.length}):`,
      diff.breaking.map((c) => `✗ [${c.type}] ${c.description}`),
    ),
    ...section(
      `Dangerous changes (${diff.dangerous.length}):`,
      diff.dangerous.map((c) => `! [${c.type}] ${c.description}`),
    ),
    ...section(
      `Safe changes (${diff.safe.length}):`,
      diff.safe.map((c) => `+ [${c.type}] ${c.description}`),
    ),
  ];
}

/** Human-readable report for the terminal and CI logs. */
export function formatCheckReport(report: CheckReport, opts: { supergraphPath: string; subgraphs: string[] }): string {
  const { supergraphPath } = opts;
  const lines = [`schema:check: ${opts.subgraphs.length} subgraph(s): ${opts.subgraphs.join(", ") || "(none)"}`, ""];
  const regenerate = `If these changes are intended, run \`npm run schema:compose\` and commit ${supergraphPath}.`;
  switch (report.status) {
    case "composition-failed":
      lines.push(...section(`✗ Composition failed with ${report.errors.length} error(s):`, issueLines(report.errors)));
      break;
    case "missing":
      lines.push(`✗ ${supergraphPath} does not exist: run \`npm run schema:compose\` and commit it.`, "");
      break;
    case "committed-invalid":
      lines.push(
        `✗ ${supergraphPath} is not a valid supergraph (${report.detail ?? "unknown error"}): run \`npm run schema:compose\`.`,
        "",
      );
      break;
    case "up-to-date":
      lines.push(`✓ ${supergraphPath} is up to date.`, "");
      break;
    case "stale":
      lines.push(`✗ ${supergraphPath} is stale: composition differs from the committed supergraph (no breaking changes).`, "");
      lines.push(...formatDiff(report.diff!), regenerate, "");
      break;
    case "breaking":
      lines.push(`✗ Composition breaks clients of the committed ${supergraphPath}.`, "");
      lines.push(...formatDiff(report.diff!), regenerate, "");
      break;
  }
  lines.push(...section(`Composition hints (${report.hints.length}):`, issueLines(report.hints)));
  return `${lines.join("\n").trimEnd()}\n`;
}
