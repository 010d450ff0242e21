// The bench's results as JSON, Markdown and a hand-written SVG bar chart (no chart library): pure functions of the
// report, so their shape is unit-tested without running a benchmark.
import type { SameDataCheck } from "./same-data.ts";

export interface TargetResult {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: number;
  requests: number;
  /** CPU µs per request of each process (gateway, subgraphs, infrastructure, the load generator). */
  cpuUsPerRequest: Record<string, number>;
}

export interface WorkloadResult {
  /** e.g. `feed` or `ecommerce@50`. */
  id: string;
  title: string;
  connections: number;
  results: TargetResult[];
  check: SameDataCheck;
  /** How answers were compared (e.g. which fields count only by type). */
  checkNote?: string;
  /** What one client request made each target send its subgraphs (counted by the subgraphs; e-commerce only). */
  subgraphTraffic?: SubgraphTrafficPerRequest[];
}

export interface SubgraphTrafficPerRequest {
  target: string;
  /** Subgraph requests, entity representations in them and request body bytes, all subgraphs together. */
  requests: number;
  representations: number;
  requestBytes: number;
}

export interface Ratio {
  workload: string;
  numerator: string;
  denominator: string;
  /** numerator req/s ÷ denominator req/s; null when the denominator served nothing. */
  ratio: number | null;
}

export interface BenchReport {
  date: string;
  commit: string;
  machine: { cpuModel: string; cores: number; ramGiB: number; node: string; os: string };
  settings: Record<string, unknown>;
  /** What each target is, its settings spelled out. */
  targets: Array<{ name: string; settings: Record<string, string | boolean> }>;
  /** Targets that could not run, and why (e.g. the Rust planner failed to install). */
  skipped: Array<{ target: string; reason: string }>;
  workloads: WorkloadResult[];
  ratios: Ratio[];
}

/** The Plaza targets (names starting with `plaza`) over each other target, per workload, in result order. */
export function ratiosOf(workloads: readonly WorkloadResult[]): Ratio[] {
  return workloads.flatMap((workload) => {
    const plaza = workload.results.filter((r) => r.name.startsWith("plaza"));
    const others = workload.results.filter((r) => !r.name.startsWith("plaza"));
    return plaza.flatMap((numerator) =>
      others.map((denominator) => ({
        workload: workload.id,
        numerator: numerator.name,
        denominator: denominator.name,
        ratio: denominator.requestsPerSecond > 0 ? round(numerator.requestsPerSecond / denominator.requestsPerSecond, 2) : null,
      })),
    );
  });
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const cell = (text: string | number) => String(text).replace(/\|/g, "\\|");

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `# npm run bench — ${report.date}`,
    ``,
    `Commit \`${report.commit}\`; ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.os}.`,
    `Settings: ${Object.entries(report.settings)
      .map(([key, value]) => `${key} ${JSON.stringify(value)}`)
      .join(", ")}.`,
    ``,
    `| workload | conn | target | req/s | p50 ms | p95 ms | p99 ms | errors | gateway CPU µs/req | all CPU µs/req |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const w of report.workloads) {
    for (const r of w.results) {
      const gateway = r.cpuUsPerRequest[gatewayLabel(r.name)];
      const all = Object.values(r.cpuUsPerRequest).reduce((sum, us) => sum + us, 0);
      lines.push(
        `| ${cell(w.title)} | ${w.connections} | ${cell(r.name)} | ${r.requestsPerSecond} | ${r.p50Ms.toFixed(1)} | ` +
          `${r.p95Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.errors} | ${gateway ?? "–"} | ${all} |`,
      );
    }
  }
  lines.push(``, `## Ratios (req/s)`, ``, `| workload | ratio | value |`, `|---|---|---|`);
  for (const r of report.ratios)
    lines.push(`| ${r.workload} | ${cell(r.numerator)} / ${cell(r.denominator)} | ${r.ratio ?? "–"} |`);
  lines.push(``, `## Identical data`, ``);
  for (const w of report.workloads) {
    const verdict = w.check.identical ? "identical" : "**MISMATCH**";
    lines.push(
      `- ${w.title} (${w.connections} conn): ${verdict} (reference ${w.check.reference})${w.checkNote ? `; ${w.checkNote}` : ""}`,
    );
    for (const mismatch of w.check.mismatches) lines.push(`  - ${mismatch.target}: ${mismatch.difference}`);
  }
  const withTraffic = report.workloads.filter((w) => w.subgraphTraffic?.length);
  if (withTraffic.length > 0) {
    lines.push(``, `## Subgraph traffic per client request`, ``);
    lines.push(`One client request, alone, through each target; counted by the subgraphs.`, ``);
    for (const w of withTraffic) {
      lines.push(
        `${w.title} (${w.connections} conn):`,
        ``,
        `| target | subgraph requests | representations | request KB |`,
        `|---|---|---|---|`,
        ...w.subgraphTraffic!.map(
          (t) => `| ${cell(t.target)} | ${t.requests} | ${t.representations} | ${(t.requestBytes / 1024).toFixed(1)} |`,
        ),
        ``,
      );
    }
  }
  if (report.skipped.length > 0) {
    lines.push(``, `## Skipped`, ``, ...report.skipped.map((s) => `- ${s.target}: ${s.reason}`));
  }
  lines.push(``, `## CPU µs per request, by process`, ``);
  for (const w of report.workloads) {
    const labels = [...new Set(w.results.flatMap((r) => Object.keys(r.cpuUsPerRequest)))].sort();
    if (labels.length === 0) continue; // no /proc (not Linux)
    lines.push(
      `${w.title} (${w.connections} conn):`,
      ``,
      `| target | ${labels.map(cell).join(" | ")} |`,
      `|---|${labels.map(() => "---|").join("")}`,
      ...w.results.map((r) => `| ${cell(r.name)} | ${labels.map((l) => r.cpuUsPerRequest[l] ?? "–").join(" | ")} |`),
      ``,
    );
  }
  lines.push(`## Targets`, ``);
  for (const t of report.targets)
    lines.push(
      `- ${t.name}: ${Object.entries(t.settings)
        .map(([key, value]) => `${key}=${value}`)
        .join(", ")}`,
    );
  return `${lines.join("\n")}\n`;
}

/** The CPU label a target's gateway process is reported under (see gateways.ts). */
export function gatewayLabel(target: string): string {
  return target.replace(/ \((.*)\)$/, "-$1").replace(/\s+/g, "-");
}

const PALETTE = ["#2f6fde", "#7fa9f0", "#e0892b", "#3a9d5d", "#8fd19e", "#a259c4", "#c94f4f", "#6b6b6b"];
const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** req/s per workload, one bar per target, grouped by workload; a legend names the targets. */
export function renderSvg(report: BenchReport): string {
  const targets = [...new Set(report.workloads.flatMap((w) => w.results.map((r) => r.name)))];
  const max = Math.max(1, ...report.workloads.flatMap((w) => w.results.map((r) => r.requestsPerSecond)));
  const [bar, gap, left, top, plotHeight] = [18, 28, 70, 90, 300];
  const groupWidth = targets.length * bar + gap;
  const width = Math.max(640, left + report.workloads.length * groupWidth + 20);
  const legendTop = top + plotHeight + 70;
  const height = legendTop + targets.length * 18 + 10;
  const step = niceStep(max);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="24" font-size="14" font-weight="bold">${xml(`npm run bench: req/s by workload (${report.date})`)}</text>`,
  ];
  for (let value = 0; value <= max; value += step) {
    const y = top + plotHeight - (value / max) * plotHeight;
    out.push(
      `<line x1="${left}" y1="${y.toFixed(1)}" x2="${width - 10}" y2="${y.toFixed(1)}" stroke="#e3e3e3"/>`,
      `<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${value}</text>`,
    );
  }
  report.workloads.forEach((workload, w) => {
    const x0 = left + gap / 2 + w * groupWidth;
    for (const result of workload.results) {
      const i = targets.indexOf(result.name);
      const h = (result.requestsPerSecond / max) * plotHeight;
      const x = x0 + i * bar;
      out.push(
        `<rect x="${x}" y="${(top + plotHeight - h).toFixed(1)}" width="${bar - 2}" height="${h.toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}">` +
          `<title>${xml(`${workload.title} @${workload.connections}: ${result.name} ${result.requestsPerSecond} req/s`)}</title></rect>`,
        // The value above its bar, vertical: small bars beside a tall one stay readable.
        `<text x="${x + bar / 2 + 3}" y="${(top + plotHeight - h - 4).toFixed(1)}" font-size="9" transform="rotate(-90 ${x + bar / 2 + 3} ${(top + plotHeight - h - 4).toFixed(1)})">${result.requestsPerSecond}</text>`,
      );
    }
    const title = workload.title.length > 20 ? `${workload.title.slice(0, 19)}…` : workload.title;
    const middle = x0 + (targets.length * bar) / 2;
    out.push(
      `<text x="${middle}" y="${top + plotHeight + 16}" text-anchor="middle">${xml(title)}</text>`,
      `<text x="${middle}" y="${top + plotHeight + 30}" text-anchor="middle" fill="#555">${workload.connections} conn</text>`,
    );
  });
  out.push(`<line x1="${left}" y1="${top + plotHeight}" x2="${width - 10}" y2="${top + plotHeight}" stroke="#333"/>`);
  targets.forEach((name, i) => {
    const y = legendTop + i * 18;
    out.push(
      `<rect x="${left}" y="${y - 10}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/>`,
      `<text x="${left + 18}" y="${y}">${xml(name)}</text>`,
    );
  });
  out.push(`</svg>`);
  return `${out.join("\n")}\n`;
}

/** A round grid step: 1, 2 or 5 × 10^n, about five lines over `max`. */
export function niceStep(max: number): number {
  const raw = Math.max(1, max / 5);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= raw)!;
}
