// Checks of the load-test CLIs' arguments (`loadtest:seed`, `loadtest`): each failure is a message for the user,
// never a stack trace.

export class UsageError extends Error {}

/** An integer from `min` to `max` given as a decimal string; `fallback` when absent. */
export function intArg(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return value;
}

/** Whether `url` is an http(s)/ws(s) URL whose host is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(parsed.protocol)) return false;
  const host = parsed.hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `url` if it is a valid http(s) URL, and a loopback one unless `allowRemote`. */
export function targetUrl(raw: string, opts: { allowRemote?: boolean } = {}): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new UsageError(`--url must be an http(s) URL (got ${JSON.stringify(raw)})`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new UsageError(`--url must be an http(s) URL (got ${JSON.stringify(raw)})`);
  if (!opts.allowRemote && !isLoopbackUrl(raw))
    throw new UsageError(`refusing a non-loopback target: ${raw} (load from this machine goes to 127.0.0.0/8 or ::1 only)`);
  return raw;
}
