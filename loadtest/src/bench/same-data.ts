// Every target must answer a workload's request with the same data before its throughput means anything: a gateway
// that drops a field or fails a subgraph fetch is faster for the wrong reason.

interface GraphQLErrorLike {
  path?: unknown;
  extensions?: { code?: unknown };
}

/**
 * What two answers must share: `data` with object keys sorted, and each error's path and code (messages differ
 * between gateways by design: masking, wording). `volatile` names fields whose value changes on every call (a
 * counter a mutation returns, by dotted path without list indices): only their type is compared.
 */
export function canonicalResponse(body: unknown, volatile: readonly string[] = []): string {
  const response = (body ?? {}) as { data?: unknown; errors?: unknown; httpStatus?: unknown };
  const errors = Array.isArray(response.errors)
    ? (response.errors as GraphQLErrorLike[])
        .map((error) => ({ path: error.path ?? null, code: error.extensions?.code ?? null }))
        .map((error) => JSON.stringify(error))
        .sort()
    : [];
  const status = response.httpStatus ?? 200; // set by the caller: a non-JSON or non-2xx answer is an answer too
  return JSON.stringify({ status, data: canonical(response.data ?? null, [], new Set(volatile)), errors });
}

function canonical(value: unknown, path: string[], volatile: ReadonlySet<string>): unknown {
  if (volatile.has(path.join("."))) return `<${value === null ? "null" : typeof value}>`;
  if (Array.isArray(value)) return value.map((item) => canonical(item, path, volatile));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key], [...path, key], volatile)]),
    );
  }
  return value;
}

/** Where two canonical answers first differ, as `a.b[3].c: <left> ≠ <right>` (values cut to 80 characters). */
export function firstDifference(left: unknown, right: unknown, path = ""): string | undefined {
  if (JSON.stringify(left) === JSON.stringify(right)) return undefined;
  const cut = (value: unknown) => {
    const text = JSON.stringify(value) ?? "undefined";
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  };
  if (Array.isArray(left) && Array.isArray(right)) {
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      const found = firstDifference(left[i], right[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (
    left &&
    right &&
    typeof left === "object" &&
    typeof right === "object" &&
    !Array.isArray(left) &&
    !Array.isArray(right)
  ) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    for (const key of keys) {
      const found = firstDifference(
        (left as Record<string, unknown>)[key],
        (right as Record<string, unknown>)[key],
        path ? `${path}.${key}` : key,
      );
      if (found) return found;
    }
  }
  return `${path || "(root)"}: ${cut(left)} ≠ ${cut(right)}`;
}

export interface SameDataCheck {
  /** The target every other one is compared with (the first). */
  reference: string;
  identical: boolean;
  /** One entry per target whose answer differs from the reference's. */
  mismatches: Array<{ target: string; difference: string }>;
}

/** Compares every target's answer with the first one's; HTTP failures are answers too (`{ httpStatus }`). */
export function compareAnswers(
  answers: ReadonlyArray<{ target: string; body: unknown }>,
  volatile: readonly string[] = [],
): SameDataCheck {
  const [reference, ...others] = answers;
  if (!reference) return { reference: "", identical: true, mismatches: [] };
  const expected = JSON.parse(canonicalResponse(reference.body, volatile)) as unknown;
  const mismatches = others.flatMap(({ target, body }) => {
    const difference = firstDifference(expected, JSON.parse(canonicalResponse(body, volatile)));
    return difference ? [{ target, difference }] : [];
  });
  return { reference: reference.target, identical: mismatches.length === 0, mismatches };
}
