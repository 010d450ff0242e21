// k6's summary values (handleSummary's `data.metrics[name].values`) computed from raw samples: the k6 adapter and
// the Node driver both hand loadtest/k6/lib/summary.ts the data shape k6 would.
import type { SummaryMetric } from "../k6/lib/summary.ts";

/** The value at percentile `p` (0-100) of ascending `sorted`, interpolated as k6 does. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function trendMetric(values: readonly number[], isTime = true): SummaryMetric {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, v) => total + v, 0);
  return {
    type: "trend",
    contains: isTime ? "time" : "default",
    values: {
      avg: sorted.length ? sum / sorted.length : 0,
      min: sorted[0] ?? 0,
      med: percentile(sorted, 50),
      max: sorted[sorted.length - 1] ?? 0,
      "p(90)": percentile(sorted, 90),
      "p(95)": percentile(sorted, 95),
      "p(99)": percentile(sorted, 99),
      count: sorted.length,
    },
  };
}

export function rateMetric(passes: number, fails: number): SummaryMetric {
  const total = passes + fails;
  return { type: "rate", values: { rate: total ? passes / total : 0, passes, fails } };
}

export function counterMetric(count: number, seconds: number): SummaryMetric {
  return { type: "counter", values: { count, rate: seconds > 0 ? count / seconds : 0 } };
}
