// Settings of the k6 scenarios, read from k6's `__ENV` (or the Node driver's environment). No k6 imports.
import { MAX_SEED } from "./seed-plan.ts";

export interface ScenarioConfig {
  /** The router's GraphQL endpoint over HTTP. */
  url: string;
  /** The same endpoint over graphql-ws. */
  wsUrl: string;
  /** The seed `npm run loadtest:seed` was run with (which users exist, and their password rule). */
  seed: number;
  /** Seeded users the scenario signs in during setup(); VUs share them round robin. */
  viewers: number;
  /** Overrides of the scenario's load shape (undefined: the scenario's own). */
  vus?: number;
  duration?: string;
  /** progressive: run only this level (1-5) / levels up to this one. */
  level?: number;
  maxLevel?: number;
  /** chat-send-receive: messages sent and awaited per iteration. */
  chatMessages: number;
}

type Env = Record<string, string | undefined>;

export const DEFAULT_URL = "http://127.0.0.1:4000/graphql";

function integer(env: Env, name: string, min: number, max: number, problems: string[]): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return undefined;
  }
  return value;
}

function httpUrl(env: Env, name: string, fallback: string, schemes: string[], problems: string[]): string {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  // k6 has no URL global: scheme, a host, an optional port and path, nothing that needs parsing beyond that.
  const match = /^([a-z]+:)\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\/[^\s]*)?$/.exec(raw);
  if (match && schemes.includes(match[1]!)) return raw;
  problems.push(`${name} must be a ${schemes.map((s) => s.replace(":", "")).join(" or ")} URL (got ${JSON.stringify(raw)})`);
  return fallback;
}

/** The scenarios' settings; throws one error naming every bad setting. */
export function readConfig(env: Env): ScenarioConfig {
  const problems: string[] = [];
  const url = httpUrl(env, "PLAZA_URL", DEFAULT_URL, ["http:", "https:"], problems);
  const wsUrl = httpUrl(env, "PLAZA_WS_URL", url.replace(/^http/, "ws"), ["ws:", "wss:"], problems);
  const duration = env.PLAZA_DURATION;
  if (duration !== undefined && duration !== "" && !/^\d{1,5}(ms|s|m|h)$/.test(duration))
    problems.push(`PLAZA_DURATION must be a k6 duration such as 30s or 2m (got ${JSON.stringify(duration)})`);
  const config: ScenarioConfig = {
    url,
    wsUrl,
    seed: integer(env, "PLAZA_SEED", 0, MAX_SEED, problems) ?? 1,
    viewers: integer(env, "PLAZA_VIEWERS", 2, 10_000, problems) ?? 10,
    vus: integer(env, "PLAZA_VUS", 1, 10_000, problems),
    duration: duration || undefined,
    level: integer(env, "PLAZA_LEVEL", 1, 5, problems),
    maxLevel: integer(env, "PLAZA_MAX_LEVEL", 1, 5, problems),
    chatMessages: integer(env, "PLAZA_CHAT_MESSAGES", 1, 1000, problems) ?? 3,
  };
  if (problems.length > 0) throw new Error(`bad load-test settings:\n  ${problems.join("\n  ")}`);
  return config;
}
