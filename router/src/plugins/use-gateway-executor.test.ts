import { parse, print, type DocumentNode } from "graphql";
import { createSchema, createYoga, type Plugin } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { createLogger } from "@plaza/kit";
import { useGatewayExecutor, type GatewayExecutor } from "./use-gateway-executor.ts";

type RequestContext = Parameters<GatewayExecutor>[0];
const logger = createLogger({ service: "test", level: "silent" });
const schema = createSchema({ typeDefs: "type Query { hello(name: String): String, other: String }" });

/** Stands in for @apollo/gateway: records what it was asked to execute. */
function recordingExecutor() {
  const calls: RequestContext[] = [];
  const executor = (async (ctx: RequestContext) => {
    calls.push(ctx);
    return { data: { hello: "from gateway" } };
  }) as GatewayExecutor;
  return { calls, executor };
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

describe("useGatewayExecutor", () => {
  it("hands the gateway the operation, variables and GraphQL context", async () => {
    const { calls, executor } = recordingExecutor();
    const yoga = createYoga({
      schema: createSchema<{ requestId: string }>({ typeDefs: "type Query { hello(name: String): String }" }),
      plugins: [useGatewayExecutor({ executor, logger })],
      context: () => ({ requestId: "r-1" }),
    });
    const result = await run(yoga, {
      query: "query Greet($n: String) { hello(name: $n) }",
      variables: { n: "ada" },
      operationName: "Greet",
    });
    expect(result).toEqual({ data: { hello: "from gateway" } });
    const ctx = calls[0]!;
    expect(ctx.request).toMatchObject({ operationName: "Greet", variables: { n: "ada" } });
    expect(ctx.source).toBe(ctx.request.query);
    expect(ctx.operationName).toBe("Greet");
    expect(ctx.operation.name?.value).toBe("Greet");
    expect(ctx.context).toMatchObject({ requestId: "r-1" });
    expect(ctx.queryHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("executes the document a later plugin rewrote, not the one the client sent", async () => {
    const { calls, executor } = recordingExecutor();
    const rewritten = parse("{ hello other __typename }");
    const yoga = createYoga({
      schema,
      plugins: [useGatewayExecutor({ executor, logger }), useDocumentRewrite(() => rewritten)],
    });
    await run(yoga, { query: "{ hello }" });
    expect(calls[0]!.document).toBe(rewritten);
    expect(calls[0]!.request.query).toBe(print(rewritten));
    // Different documents must never share a query plan.
    await run(yoga, { query: "{ hello }" });
    const plain = recordingExecutor();
    await run(createYoga({ schema, plugins: [useGatewayExecutor({ executor: plain.executor, logger })] }), {
      query: "{ hello }",
    });
    expect(plain.calls[0]!.queryHash).not.toBe(calls[0]!.queryHash);
    expect(calls[1]!.queryHash).toBe(calls[0]!.queryHash);
  });
});
