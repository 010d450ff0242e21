import { describe, expect, it } from "vitest";
import { gatewayLabel, niceStep, ratiosOf, renderMarkdown, renderSvg, type BenchReport, type WorkloadResult } from "./report.ts";

const result = (name: string, requestsPerSecond: number, cpu: Record<string, number> = {}) => ({
  name,
  requestsPerSecond,
  p50Ms: 10,
  p95Ms: 20.25,
  p99Ms: 30,
  errors: 0,
  requests: requestsPerSecond * 10,
  cpuUsPerRequest: cpu,
});

const workloads: WorkloadResult[] = [
  {
    id: "feed",
    title: "feed(first: 20)",
    connections: 50,
    results: [
      result("plaza", 1200, { plaza: 300, posts: 200, "load-generator": 40 }),
      result("plaza (cached)", 1500),
      result("stock-apollo-gateway", 800),
      result("hive-gateway", 600),
      result("hive-gateway (rust planner)", 0),
    ],
    check: { reference: "plaza", identical: true, mismatches: [] },
  },
  {
    id: "ecommerce@20",
    title: 'e-commerce <TestQuery> & "more"',
    connections: 20,
    results: [result("plaza", 300), result("stock-apollo-gateway", 200)],
    check: {
      reference: "plaza",
      identical: false,
      mismatches: [{ target: "stock-apollo-gateway", difference: "data.x: 1 ≠ 2" }],
    },
    subgraphTraffic: [
      { target: "plaza", requests: 9, representations: 40, requestBytes: 4096 },
      { target: "stock-apollo-gateway", requests: 16, representations: 465, requestBytes: 23552 },
    ],
  },
];

const report: BenchReport = {
  date: "2026-12-02T16:00:00.000Z",
  commit: "abc1234",
  machine: { cpuModel: "Test CPU", cores: 2, ramGiB: 7.7, node: "v20.20.2", os: "linux 6" },
  settings: { durationSeconds: 5, rounds: 3 },
  targets: [{ name: "plaza", settings: { responseCache: false } }],
  skipped: [{ target: "hive-gateway (rust planner)", reason: "does not load" }],
  workloads,
  ratios: ratiosOf(workloads),
};

describe("ratiosOf", () => {
  it("divides every Plaza target's req/s by every other target's, per workload", () => {
    const feed = report.ratios.filter((r) => r.workload === "feed");
    expect(feed).toHaveLength(2 * 3);
    expect(feed.find((r) => r.numerator === "plaza" && r.denominator === "stock-apollo-gateway")!.ratio).toBe(1.5);
    expect(feed.find((r) => r.numerator === "plaza" && r.denominator === "hive-gateway")!.ratio).toBe(2);
    expect(feed.find((r) => r.numerator === "plaza (cached)" && r.denominator === "stock-apollo-gateway")!.ratio).toBe(1.88);
    // A target that served nothing has no ratio (not Infinity).
    expect(feed.find((r) => r.denominator === "hive-gateway (rust planner)")!.ratio).toBeNull();
    expect(report.ratios.filter((r) => r.workload === "ecommerce@20")).toEqual([
      { workload: "ecommerce@20", numerator: "plaza", denominator: "stock-apollo-gateway", ratio: 1.5 },
    ]);
  });

  it("has no ratios without a Plaza target or without others", () => {
    expect(ratiosOf([{ ...workloads[0]!, results: [result("hive-gateway", 1)] }])).toEqual([]);
    expect(ratiosOf([{ ...workloads[0]!, results: [result("plaza", 1)] }])).toEqual([]);
  });
});

describe("renderMarkdown", () => {
  const md = renderMarkdown(report);

  it("states date, commit and machine, and one row per workload and target with every figure", () => {
    expect(md).toContain("2026-12-02");
    expect(md).toContain("`abc1234`");
    expect(md).toContain("Test CPU, 2 cores, 7.7 GiB RAM, Node v20.20.2");
    expect(md).toContain("| feed(first: 20) | 50 | plaza | 1200 | 10.0 | 20.3 | 30.0 | 0 | 300 | 540 |");
    expect(md).toContain("| plaza / hive-gateway | 2 |");
  });

  it("reports each target's subgraph traffic per client request where the subgraphs counted it", () => {
    expect(md).toContain("## Subgraph traffic per client request");
    expect(md).toContain("| plaza | 9 | 40 | 4.0 |");
    expect(md).toContain("| stock-apollo-gateway | 16 | 465 | 23.0 |");
  });

  it("reports mismatches and skipped targets", () => {
    expect(md).toContain("**MISMATCH**");
    expect(md).toContain("stock-apollo-gateway: data.x: 1 ≠ 2");
    expect(md).toContain("hive-gateway (rust planner): does not load");
  });

  it("has well-formed tables: every row of a table has its header's column count", () => {
    const tables = md.split("\n\n").filter((block) => block.includes("|---"));
    expect(tables.length).toBeGreaterThanOrEqual(3);
    for (const table of tables) {
      const rows = table.split("\n").filter((line) => line.startsWith("|"));
      const columns = (line: string) => line.replace(/\\\|/g, "").split("|").length;
      for (const row of rows) expect(columns(row), row).toBe(columns(rows[0]!));
    }
  });
});

describe("renderSvg", () => {
  const svg = renderSvg(report);

  it("is one well-formed svg element with escaped text", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg).not.toMatch(/<[^>]*<[^/]/); // no tag opened inside another's attributes
    expect(svg).toContain("e-commerce &lt;TestQuery&gt; &amp; &quot;more&quot;");
    // Every opened tag is closed or self-closing.
    const opened = [...svg.matchAll(/<([a-z]+)[\s>]/g)].map((m) => m[1]);
    const selfClosed = [...svg.matchAll(/<([a-z]+)[^>]*\/>/g)].length;
    const closed = [...svg.matchAll(/<\/([a-z]+)>/g)].length;
    expect(opened.length).toBe(selfClosed + closed);
  });

  it("draws one bar per workload and target, the tallest for the most req/s, and a legend entry per target", () => {
    const bars = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="16" height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(bars).toHaveLength(7);
    expect(Math.max(...bars)).toBe(300); // plaza (cached) on the feed: the plot's full height
    expect(svg).toContain(">hive-gateway (rust planner)</text>");
  });
});

describe("helpers", () => {
  it("niceStep picks 1, 2 or 5 × 10^n", () => {
    expect(niceStep(1500)).toBe(500);
    expect(niceStep(9000)).toBe(2000);
    expect(niceStep(0)).toBe(1);
  });

  it("gatewayLabel turns a target name into its process label", () => {
    expect(gatewayLabel("plaza (cached)")).toBe("plaza-cached");
    expect(gatewayLabel("hive-gateway (rust planner)")).toBe("hive-gateway-rust-planner");
    expect(gatewayLabel("stock-apollo-gateway")).toBe("stock-apollo-gateway");
  });
});
