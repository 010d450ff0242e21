/** What every value beyond a label's budget is reported as. */
export const OTHER_LABEL = "other";

/**
 * Label values chosen by clients (operation names, relayed error codes) would give every distinct value its own
 * time series and grow `/metrics` without bound. The first `max` distinct values (and those listed as known) keep
 * their name; every later one is reported as `other`.
 */
export function createBoundedLabel(max: number, known: Iterable<string> = []): (value: string) => string {
  const kept = new Set<string>(known);
  const budget = kept.size + max;
  return (value) => {
    if (kept.has(value)) return value;
    if (kept.size >= budget || value.length > MAX_LABEL_LENGTH) return OTHER_LABEL;
    kept.add(value);
    return value;
  };
}

/** Longer names are almost certainly generated; they get no series of their own. */
const MAX_LABEL_LENGTH = 100;
