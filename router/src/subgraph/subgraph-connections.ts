import { Agent } from "undici";
import { createInternalSigner, type InternalAuthTarget, type InternalIdentity, type Logger } from "@plaza/kit";
import type { SubgraphClient } from "../engine/federation-engine.ts";
import type { RouterMetrics } from "../metrics.ts";
import { subgraphEnvName } from "../subgraphs.ts";
import { createFetchDeduper } from "./fetch-dedupe.ts";
import { createSubgraphClient } from "./subgraph-client.ts";

export interface SubgraphConnectionsOptions {
  /** Replace URLs named in the supergraph, keyed by subgraph name in any case (`users` or `USERS`). */
  urlOverrides?: Record<string, string>;
  internalAuthKey: string;
  timeoutMs: number;
  /** Keep-alive connections per subgraph origin. */
  maxConnections: number;
  /** Identical concurrent read fetches share one request unless an invalidation happened since (`epoch` moves). */
  dedupe: { enabled: boolean; epoch?: () => number };
  /** Each distinct entity representation is sent once per fetch (entity-representations.ts). */
  entityDedupe: boolean;
  metrics: Pick<RouterMetrics, "subgraphFetchDuration" | "subgraphRepresentations" | "inflightDedupes">;
  logger: Logger;
}

export interface SubgraphConnections {
  /** The client for one subgraph of the supergraph (the engine asks for each). */
  clientFor(name: string, url: string | undefined): SubgraphClient;
  signIdentity(identity: InternalIdentity, target: InternalAuthTarget): string;
  /** Logs overrides that name no subgraph the engine asked for (a typo in SUBGRAPH_URL_<NAME>). */
  warnUnmatchedOverrides(subgraphNames: readonly string[]): void;
  close(): Promise<void>;
}

/** The router's side of every subgraph connection: one keep-alive pool per origin, signing, timeouts, dedupe. */
export function createSubgraphConnections(options: SubgraphConnectionsOptions): SubgraphConnections {
  const { timeoutMs, metrics, logger } = options;
  const overrides = new Map(Object.entries(options.urlOverrides ?? {}).map(([name, url]) => [subgraphEnvName(name), url]));
  const agent = new Agent({
    connections: options.maxConnections,
    // Below the subgraphs' own keep-alive timeout (65 s in kit), so the router never reuses a socket being closed.
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs },
  });
  const signIdentity = createInternalSigner(options.internalAuthKey);
  const dedupe = options.dedupe.enabled
    ? createFetchDeduper({
        epoch: options.dedupe.epoch,
        onJoin: () => metrics.inflightDedupes.inc({ kind: "subgraph" }),
      })
    : undefined;
  return {
    signIdentity,
    clientFor(name, url) {
      const resolvedUrl = overrides.get(subgraphEnvName(name)) ?? url;
      if (!resolvedUrl)
        throw new Error(`Subgraph "${name}" has no URL in the supergraph: set SUBGRAPH_URL_${subgraphEnvName(name)}`);
      return createSubgraphClient({
        name,
        url: resolvedUrl,
        dispatcher: agent,
        signIdentity,
        timeoutMs,
        metrics,
        logger,
        dedupe,
        entityDedupe: options.entityDedupe,
      });
    },
    warnUnmatchedOverrides(subgraphNames) {
      const known = new Set(subgraphNames.map(subgraphEnvName));
      for (const name of overrides.keys()) {
        if (!known.has(name))
          logger.warn({ subgraph: name, known: subgraphNames }, "subgraph URL override matches no subgraph in the supergraph");
      }
    },
    close: () => agent.close(),
  };
}
