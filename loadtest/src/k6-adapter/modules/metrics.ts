// The k6 adapter's `k6/metrics`: custom metrics record their samples for the run's summary.
import { record, type MetricRecord } from "../state.ts";

abstract class Metric {
  protected abstract readonly type: MetricRecord["type"];
  constructor(
    readonly name: string,
    private readonly isTime = false,
  ) {}
  add(value: number | boolean, _tags?: Record<string, string>): void {
    record(this.name, this.type, Number(value), this.isTime);
  }
}

export class Counter extends Metric {
  protected readonly type = "counter";
}
export class Gauge extends Metric {
  protected readonly type = "gauge";
}
export class Rate extends Metric {
  protected readonly type = "rate";
}
export class Trend extends Metric {
  protected readonly type = "trend";
}

export default { Counter, Gauge, Rate, Trend };
