/**
 * Readiness of every shard (for /readyz): one trivial query per shard, in parallel, each bounded
 * by a timeout so a hung database cannot hang the probe.
 */
import type { SqlShard } from "./prisma-shards.ts";

export interface ShardHealth {
  readonly shard: string;
  readonly ok: boolean;
  readonly latencyMs: number;
  /** Why it failed (no connection details beyond the redacted location). */
  readonly error?: string;
}

export interface ShardsHealth {
  readonly ok: boolean;
  readonly shards: ShardHealth[];
}

export async function checkShards(shards: readonly Pick<SqlShard, "name" | "sql">[], timeoutMs = 2_000): Promise<ShardsHealth> {
  const results = await Promise.all(shards.map((shard) => checkShard(shard, timeoutMs)));
  return { ok: results.every((result) => result.ok), shards: results };
}

async function checkShard(shard: Pick<SqlShard, "name" | "sql">, timeoutMs: number): Promise<ShardHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([shard.sql.query("SELECT 1"), timeout]);
    return { shard: shard.name, ok: true, latencyMs: performance.now() - started };
  } catch (error) {
    return { shard: shard.name, ok: false, latencyMs: performance.now() - started, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
