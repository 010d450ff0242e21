// CPU time spent by each process of a stack, read from /proc (Linux). On a shared 2-core box, req/s moves with
// whatever else runs; the CPU a process spends per request moves far less, so benchmarks report both.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK)

interface ProcStat {
  pid: number;
  ppid: number;
  cpuMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: fields are counted after its closing ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const [utime, stime] = [Number(fields[11]), Number(fields[12])];
    return { pid, ppid: Number(fields[1]), cpuMs: ((utime + stime) * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined; // gone, or not Linux
  }
}

/**
 * A process's label: its BENCH_PROCESS_LABEL, else the service a node process runs (`router`, `counters`, `start-services`, …), else its
 * program's name (`postgres`, `redis-server`, `java` for Kafka).
 */
function labelOf(pid: number): string {
  try {
    // A process started with BENCH_PROCESS_LABEL (one entry file serving several roles) is reported under that name.
    const named = /(?:^|\0)BENCH_PROCESS_LABEL=([^\0]+)/.exec(readFileSync(`/proc/${pid}/environ`, "utf8"));
    if (named) return named[1]!;
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    for (const arg of args) {
      const entry = /(?:^|\/)([a-z-]+)\/src\/([a-z-]+)\.ts$/.exec(arg);
      if (entry) return entry[2] === "index" ? entry[1]! : entry[2]!;
    }
    // Postgres and Redis rewrite their command line ("postgres: …", "redis-server 127.0.0.1:…").
    return (args[0] ?? "").split("/").pop()!.split(/[: ]/)[0] || String(pid);
  } catch {
    return String(pid);
  }
}

/** CPU milliseconds used so far by `rootPid` and each of its descendants, by label (same-label processes summed). */
export function descendantCpu(rootPid: number): Map<string, number> {
  let stats: ProcStat[] = [];
  try {
    stats = readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map((name) => readStat(Number(name)))
      .filter((stat): stat is ProcStat => stat !== undefined);
  } catch {
    return new Map(); // no /proc
  }
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  const byLabel = new Map<string, number>();
  const visit = (stat: ProcStat) => {
    const label = labelOf(stat.pid);
    byLabel.set(label, (byLabel.get(label) ?? 0) + stat.cpuMs);
    for (const child of children.get(stat.pid) ?? []) visit(child);
  };
  const root = stats.find((stat) => stat.pid === rootPid);
  if (root) visit(root);
  return byLabel;
}

/** Runs `work`; returns its result and the CPU milliseconds `rootPid` and its descendants spent meanwhile, by label. */
export async function withCpu<T>(rootPid: number, work: () => Promise<T>): Promise<{ result: T; cpuMs: Map<string, number> }> {
  const before = descendantCpu(rootPid);
  const result = await work();
  const after = descendantCpu(rootPid);
  const cpuMs = new Map<string, number>();
  for (const [label, ms] of after) cpuMs.set(label, ms - (before.get(label) ?? 0));
  return { result, cpuMs };
}

/**
 * Waits until `rootPid` and its descendants together use less than `idleShare` of one core over `windowMs` (or
 * `timeoutMs` passed): an overloaded gateway keeps working through its backlog after the load generator stops, and
 * that CPU must not be charged to the next target's run.
 */
export async function waitForIdle(
  rootPid: number,
  { windowMs = 250, idleShare = 0.1, timeoutMs = 15_000 }: { windowMs?: number; idleShare?: number; timeoutMs?: number } = {},
): Promise<void> {
  const total = () => [...descendantCpu(rootPid).values()].reduce((sum, ms) => sum + ms, 0);
  const deadline = Date.now() + timeoutMs;
  let before = total();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = total();
    if (now - before < windowMs * idleShare) return;
    before = now;
  }
}
