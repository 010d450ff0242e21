// handleSummary's output: the run's summary as JSON and Markdown under loadtest/results/ (k6's return-map
// convention: file path → content, `stdout` → printed). The Node driver builds the same data shape from its own
// measurements and writes the same files. No k6 imports.

export interface SummaryMetric {
  type: "counter" | "gauge" | "rate" | "trend";
  contains?: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryCheck {
  name: string;
  passes: number;
  fails: number;
}

interface SummaryGroup {
  name: string;
  checks: SummaryCheck[];
  groups: SummaryGroup[];
}

/** The part of k6's summary data (handleSummary's argument) the files are made of. */
export interface SummaryData {
  metrics: Record<string, SummaryMetric>;
  root_group: SummaryGroup;
  state?: { testRunDurationMs?: number };
}

export const RESULTS_DIR = "loadtest/results";

function allChecks(group: SummaryGroup): SummaryCheck[] {
  return [...group.checks, ...group.groups.flatMap(allChecks)];
}

const fmt = (value: number | undefined) =>
  value === undefined ? "–" : Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);

/** Every threshold of the run: metric, expression, passed. */
export function thresholdResults(data: SummaryData): Array<{ metric: string; expression: string; ok: boolean }> {
  return Object.entries(data.metrics).flatMap(([metric, m]) =>
    Object.entries(m.thresholds ?? {}).map(([expression, { ok }]) => ({ metric, expression, ok })),
  );
}

/** A Mermaid chart (GitHub renders it) of p95 (bars) and p99 (line) per progressive level, when the run has levels. */
function levelChart(data: SummaryData): string[] {
  const levels = Object.entries(data.metrics)
    .map(([name, m]) => ({ level: /^http_req_duration\{level:(\d+)\}$/.exec(name)?.[1], values: m.values }))
    .filter((l): l is { level: string; values: Record<string, number> } => l.level !== undefined)
    .sort((a, b) => Number(a.level) - Number(b.level));
  if (levels.length === 0) return [];
  const series = (stat: string) => `[${levels.map((l) => Math.round(l.values[stat] ?? 0)).join(", ")}]`;
  return [
    "```mermaid",
    "xychart-beta",
    '  title "http_req_duration by level: p95 (bars), p99 (line), ms"',
    `  x-axis [${levels.map((l) => `"level ${l.level}"`).join(", ")}]`,
    '  y-axis "ms"',
    `  bar ${series("p(95)")}`,
    `  line ${series("p(99)")}`,
    "```",
    "",
  ];
}

export function markdownSummary(scenario: string, data: SummaryData, extra: string[] = []): string {
  const seconds = (data.state?.testRunDurationMs ?? 0) / 1000;
  const lines = [`# Load test: ${scenario}`, "", `Duration: ${seconds.toFixed(1)} s`, ""];
  const trends = Object.entries(data.metrics).filter(([, m]) => m.type === "trend");
  if (trends.length > 0) {
    lines.push("| trend | avg | med | p(90) | p(95) | p(99) | max | count |", "|---|---|---|---|---|---|---|---|");
    for (const [name, m] of trends) {
      const v = m.values;
      lines.push(
        `| ${name} | ${fmt(v.avg)} | ${fmt(v.med)} | ${fmt(v["p(90)"])} | ${fmt(v["p(95)"])} | ${fmt(v["p(99)"])} | ${fmt(v.max)} | ${fmt(v.count)} |`,
      );
    }
    lines.push("");
  }
  const others = Object.entries(data.metrics).filter(([, m]) => m.type !== "trend");
  if (others.length > 0) {
    lines.push("| metric | value |", "|---|---|");
    for (const [name, m] of others) {
      const v = m.values;
      const value =
        m.type === "rate"
          ? `${((v.rate ?? 0) * 100).toFixed(2)}% (${fmt(v.passes)} of ${fmt((v.passes ?? 0) + (v.fails ?? 0))})`
          : m.type === "counter"
            ? `${fmt(v.count)} (${fmt(v.rate)}/s)`
            : fmt(v.value);
      lines.push(`| ${name} | ${value} |`);
    }
    lines.push("");
  }
  lines.push(...levelChart(data));
  const checks = allChecks(data.root_group);
  if (checks.length > 0) {
    lines.push("| check | passed | failed |", "|---|---|---|");
    for (const c of checks) lines.push(`| ${c.name} | ${c.passes} | ${c.fails} |`);
    lines.push("");
  }
  const thresholds = thresholdResults(data);
  if (thresholds.length > 0) {
    lines.push("| threshold | result |", "|---|---|");
    for (const t of thresholds) lines.push(`| \`${t.metric}\`: \`${t.expression}\` | ${t.ok ? "passed" : "**FAILED**"} |`);
    lines.push("");
  }
  return [...lines, ...extra].join("\n");
}

/** handleSummary's return map: `<dir>/k6-<scenario>.json` and `.md`, and a short text on stdout. */
export function summaryFiles(
  scenario: string,
  data: SummaryData,
  dir = RESULTS_DIR,
  extra: string[] = [],
): Record<string, string> {
  const thresholds = thresholdResults(data);
  const failed = thresholds.filter((t) => !t.ok);
  const duration = data.metrics.http_req_duration?.values ?? {};
  const text =
    `${scenario}: ${fmt(data.metrics.http_reqs?.values.count)} requests, p95 ${fmt(duration["p(95)"])} ms, ` +
    `p99 ${fmt(duration["p(99)"])} ms, checks ${fmt((data.metrics.checks?.values.rate ?? 0) * 100)}%, ` +
    `thresholds ${thresholds.length - failed.length}/${thresholds.length} passed` +
    (failed.length > 0 ? ` (failed: ${failed.map((t) => `${t.metric} ${t.expression}`).join(", ")})` : "") +
    `\nwrote ${dir}/k6-${scenario}.json and .md\n`;
  return {
    [`${dir}/k6-${scenario}.json`]: JSON.stringify(data, null, 2),
    [`${dir}/k6-${scenario}.md`]: markdownSummary(scenario, data, extra),
    stdout: text,
  };
}
