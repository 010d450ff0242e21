// What one Node-driver run measured, turned into k6's summary data with the scenario's thresholds applied, so the
// files and the verdict read as a k6 run's would.
import type { Thresholds } from "../../k6/lib/scenarios.ts";
import type { SummaryData, SummaryMetric } from "../../k6/lib/summary.ts";
import { counterMetric, rateMetric, trendMetric } from "../summary-data.ts";

export class Checks {
  readonly counts = new Map<string, { passes: number; fails: number }>();
  add(name: string, ok: boolean): void {
    const c = this.counts.get(name) ?? { passes: 0, fails: 0 };
    if (ok) c.passes++;
    else c.fails++;
    this.counts.set(name, c);
  }
  totals(): { passes: number; fails: number } {
    let passes = 0;
    let fails = 0;
    for (const c of this.counts.values()) {
      passes += c.passes;
      fails += c.fails;
    }
    return { passes, fails };
  }
}

/** One run (or one level of the progressive run) as measured. */
export interface Measured {
  /** Per HTTP response, ms. */
  latencies: number[];
  /** Requests that failed at the HTTP level (network error, timeout, status outside 200-399). */
  httpFailed: number;
  requests: number;
  checks: Checks;
  seconds: number;
  /** chat: sendMessage sent → messageAdded received, ms. */
  chatLatencies?: number[];
}

function judged(metric: SummaryMetric, expressions: Record<string, boolean>): SummaryMetric {
  return { ...metric, thresholds: Object.fromEntries(Object.entries(expressions).map(([e, ok]) => [e, { ok }])) };
}

/** Summary metrics of one run with thresholds judged; `tag` (e.g. `level:2`) names them as k6 sub-metrics. */
export function metricsOf(m: Measured, t: Thresholds, tag?: string): SummaryData["metrics"] {
  const on = (name: string) => (tag ? `${name}{${tag}}` : name);
  const duration = trendMetric(m.latencies);
  const failed = rateMetric(m.httpFailed, m.requests - m.httpFailed);
  const { passes, fails } = m.checks.totals();
  const checks = rateMetric(passes, fails);
  const metrics: SummaryData["metrics"] = {
    [on("http_reqs")]: counterMetric(m.requests, m.seconds),
    [on("http_req_duration")]: judged(duration, {
      [`p(95)<${t.p95Ms}`]: duration.values["p(95)"]! < t.p95Ms,
      [`p(99)<${t.p99Ms}`]: duration.values["p(99)"]! < t.p99Ms,
    }),
    [on("http_req_failed")]: judged(failed, { [`rate<${t.httpFailedRate}`]: failed.values.rate! < t.httpFailedRate }),
    [on("checks")]: judged(checks, { [`rate>${t.checksRate}`]: checks.values.rate! > t.checksRate }),
  };
  if (m.chatLatencies && t.chatP95Ms !== undefined) {
    const chat = trendMetric(m.chatLatencies);
    metrics[on("chat_send_to_receive")] = judged(chat, { [`p(95)<${t.chatP95Ms}`]: chat.values["p(95)"]! < t.chatP95Ms });
  }
  return metrics;
}

export function summaryData(metrics: SummaryData["metrics"], checks: Checks, seconds: number): SummaryData {
  return {
    metrics,
    root_group: { name: "", checks: [...checks.counts].map(([name, c]) => ({ name, ...c })), groups: [] },
    state: { testRunDurationMs: seconds * 1000 },
  };
}
