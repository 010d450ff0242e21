import { parse, type DocumentNode, type ExecutionArgs } from "graphql";
import { createSchema, createYoga, type Plugin } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { useEngineExecutor } from "./use-engine-executor.ts";

const schema = createSchema<{ requestId: string }>({ typeDefs: "type Query { hello(name: String): String, other: String }" });

/** Stands in for the federation engine: records what it was asked to execute. */
function recordingEngine() {
  const calls: ExecutionArgs[] = [];
  return { calls, execute: async (args: ExecutionArgs) => (calls.push(args), { data: { hello: "from the engine" } }) };
}

/** A plugin registered after the executor that wraps execute with a rewritten document. */
function useDocumentRewrite(rewrite: (doc: DocumentNode) => DocumentNode): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args) => executeFn({ ...args, document: rewrite(args.document) }));
    },
  };
}

async function run(yoga: { fetch(url: string, init: RequestInit): Promise<Response> | Response }, body: unknown) {
  const res = await yoga.fetch("http://router.test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return res.json();
}

describe("useEngineExecutor", () => {
  it("hands the engine the operation, variables and GraphQL context", async () => {
    const engine = recordingEngine();
    const yoga = createYoga({ schema, plugins: [useEngineExecutor(engine)], context: () => ({ requestId: "r-1" }) });
    const result = await run(yoga, {
      query: "query Greet($n: String) { hello(name: $n) }",
      variables: { n: "ada" },
      operationName: "Greet",
    });
    expect(result).toEqual({ data: { hello: "from the engine" } });
    expect(engine.calls[0]).toMatchObject({ operationName: "Greet", variableValues: { n: "ada" } });
    expect(engine.calls[0]!.contextValue).toMatchObject({ requestId: "r-1" });
  });

  it("executes the document a later plugin rewrote, not the one the client sent", async () => {
    const engine = recordingEngine();
    const rewritten = parse("{ hello other __typename }");
    const yoga = createYoga({ schema, plugins: [useEngineExecutor(engine), useDocumentRewrite(() => rewritten)] });
    await run(yoga, { query: "{ hello }" });
    expect(engine.calls[0]!.document).toBe(rewritten);
  });
});
