import type { Plugin } from "graphql-yoga";
import type { FederationEngine } from "../engine/federation-engine.ts";

/**
 * Executes operations through the federation engine with exactly the execution arguments it is called with: plugins
 * registered after this one may wrap execute (the response cache does), and what they pass is what is planned.
 */
export function useEngineExecutor(engine: Pick<FederationEngine, "execute">): Plugin {
  const execute = engine.execute.bind(engine);
  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn(execute);
    },
  };
}
