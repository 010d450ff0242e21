import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import {
  getOperationAST,
  parse,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
} from "graphql";
import { processRegularResult } from "graphql-yoga";
import { createBoundedCache, MAX_CACHED_DOCUMENT_CHARS, textBytes } from "./bounded-cache.ts";
import { guarded } from "./http-guard.ts";

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The part of a yoga instance the lane drives: its envelop pipeline (plugins, caches, masking). */
interface EnvelopedYoga {
  getEnveloped(initialContext: never): {
    parse(source: string): DocumentNode;
    validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
    contextFactory(): unknown;
    execute(args: ExecutionArgs): unknown;
    schema: GraphQLSchema;
  };
}

export interface GraphQLFastLaneOptions {
  yoga: EnvelopedYoga;
  graphqlPath: string;
  maxBodyBytes: number;
  /** The parser's token limit (graphql-js `maxTokens`): a huge document costs little to turn away. */
  maxTokens?: number;
  /**
   * The server context yoga's `onRequest` hooks would build for this request (identity, request id), or
   * undefined to leave the request to yoga — e.g. a credential the lane cannot vouch for, which yoga rejects.
   */
  serverContext(req: IncomingMessage): object | undefined;
  /** Headers yoga's `onResponse` hooks would add (some depend on the result, e.g. Retry-After for RATE_LIMITED). */
  responseHeaders(serverContext: object, result: ExecutionResult): OutgoingHttpHeaders;
  /** What yoga's masked-errors option does with an error thrown out of execution. */
  maskError(error: unknown): GraphQLError;
  /** Called for every request the lane takes (a metric: how much traffic skips yoga's HTTP layer). */
  onServed?: () => void;
  /**
   * Runs a parsed and validated operation without yoga's envelop pipeline, doing what that pipeline does for this
   * server's plugins (subgraph-server.ts builds it from the same pieces as those plugins). Absent: the lane runs
   * yoga's pipeline (its context factory and execute).
   */
  execute?: (operation: LaneOperation) => Promise<ExecutionResult>;
}

/** An operation the lane runs. */
export interface LaneOperation {
  document: DocumentNode;
  operationName: string | undefined;
  variableValues: Record<string, unknown> | undefined;
  /** What yoga's initial context would hold: the server context and the request's params. */
  initialContext: Record<string, unknown>;
}

const JSON_TYPE = "application/json";
const GRAPHQL_RESPONSE_TYPE = "application/graphql-response+json";

/**
 * The response type yoga would choose: the first media type in Accept it can produce for a single result.
 * Undefined for anything else (event streams, multipart, unusual types): those take yoga's path.
 */
export function negotiateResultType(accept: string | undefined): typeof JSON_TYPE | typeof GRAPHQL_RESPONSE_TYPE | undefined {
  if (!accept) return JSON_TYPE;
  for (const part of accept.split(",")) {
    const type = part.split(";")[0]!.trim().toLowerCase();
    if (type === GRAPHQL_RESPONSE_TYPE) return GRAPHQL_RESPONSE_TYPE;
    if (type === JSON_TYPE || type === "*/*") return JSON_TYPE;
    if (type === "text/event-stream" || type === "multipart/mixed") return undefined;
  }
  return undefined;
}

/** Reads a request body of a known, bounded length, then hands it on; body-parsing frameworks leave it on req.body. */
export function readBody(req: IncomingMessage, res: ServerResponse, onBody: (body: Buffer) => void): void {
  // An outer fast path may have read it already.
  const read = (req as IncomingMessage & { body?: unknown }).body;
  if (Buffer.isBuffer(read)) return guarded(res, () => onBody(read));
  const chunks: Buffer[] = [];
  let received = 0;
  req.on("data", (chunk: Buffer) => {
    received += chunk.length;
    chunks.push(chunk);
  });
  req.once("error", () => res.destroy());
  // The handler runs in an event callback: a throw there would end the process, so it is answered instead.
  req.once("end", () => guarded(res, () => onBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received))));
}

/** Hands a request whose body was already read to yoga, the way body-parsing frameworks do. */
export function continueWithBody(next: NodeHandler, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  (req as IncomingMessage & { body?: Buffer }).body = body;
  next(req, res);
}

interface Params {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}

const PARAM_KEYS = new Set(["query", "operationName", "variables", "extensions"]);

/** GraphQL-over-HTTP params in their plain form, or undefined for anything yoga must judge (and word the error for). */
function plainParams(text: string): Params | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const params = raw as Record<string, unknown>;
  for (const key in params) if (!PARAM_KEYS.has(key)) return undefined;
  const { query, operationName, variables, extensions } = params;
  if (typeof query !== "string") return undefined;
  if (operationName != null && typeof operationName !== "string") return undefined;
  if (variables != null && (typeof variables !== "object" || Array.isArray(variables))) return undefined;
  // Extensions (persisted queries and the like) are yoga plugins' business.
  if (extensions != null && (typeof extensions !== "object" || Object.keys(extensions).length > 0)) return undefined;
  return {
    query,
    operationName: operationName ?? undefined,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
  };
}

const MAX_REMEMBERED_QUERIES = 2_000;
const MAX_REMEMBERED_BYTES = 4 * 1024 * 1024;

/** Captures what yoga's result processor would send, without building a fetch Response. */
const captureFetchAPI = {
  Response: class {
    constructor(
      readonly body: string,
      readonly init: { status: number; headers: Record<string, string> },
    ) {}
  },
};

/**
 * A lean lane for the common request: `POST <graphqlPath>` with a JSON body, one query or mutation that parses and
 * validates, no Origin (CORS stays yoga's), and a credential the lane can vouch for. It runs yoga's own envelop
 * pipeline — the same plugins, parse/validation caches, context, error masking and result processing — but skips
 * the fetch-API request/response objects, streams and abort signals yoga's HTTP adapter builds per request, which
 * cost more than executing a small operation. Everything else, and every request that would end in a
 * request-level error (bad JSON, parse or validation errors, unknown parameters), continues to yoga with the
 * body already read, so yoga words those responses exactly as before.
 */
export function createGraphQLFastLane(options: GraphQLFastLaneOptions): (next: NodeHandler) => NodeHandler {
  const { yoga, maxBodyBytes } = options;
  // Query texts are the client's to choose: every memory of them is bounded by bytes, not only by count.
  const syntaxChecked = createBoundedCache<string, boolean>({
    maxEntries: MAX_REMEMBERED_QUERIES,
    maxBytes: MAX_REMEMBERED_BYTES,
    sizeOf: (query) => textBytes(query),
    maxEntryBytes: MAX_CACHED_DOCUMENT_CHARS * 2,
  });

  /**
   * Whether the query text parses, judged without yoga's parse cache: that cache remembers a syntax error, and
   * the copy it throws again lacks the GRAPHQL_PARSE_FAILED code yoga adds the first time. Such queries go to
   * yoga untouched.
   */
  function parsesCleanly(query: string): boolean {
    let ok = syntaxChecked.get(query);
    if (ok === undefined) {
      try {
        parse(query, { maxTokens: options.maxTokens });
        ok = true;
      } catch {
        ok = false;
      }
      syntaxChecked.set(query, ok);
    }
    return ok;
  }

  /**
   * With `execute`: documents that parsed and validated once, by query text (the schema is fixed, and no plugin
   * judges a request's document: yoga's parse and validation run on first sight, then never again for that text).
   */
  const validated = createBoundedCache<string, DocumentNode>({
    maxEntries: MAX_REMEMBERED_QUERIES,
    maxBytes: MAX_REMEMBERED_BYTES * 8,
    // The text and its AST (about 16 bytes per character).
    sizeOf: (query) => query.length * 18,
    maxEntryBytes: MAX_CACHED_DOCUMENT_CHARS * 18,
  });

  function validDocument(query: string, initialContext: object): DocumentNode | undefined {
    const known = validated.get(query);
    if (known) return known;
    const enveloped = yoga.getEnveloped(initialContext as never);
    let document: DocumentNode;
    try {
      document = enveloped.parse(query);
    } catch {
      return undefined;
    }
    if (enveloped.validate(enveloped.schema, document).length > 0) return undefined;
    validated.set(query, document);
    return document;
  }

  /** Whether the lane runs this operation: queries and mutations (subscriptions are yoga's). */
  function runnable(document: DocumentNode, operationName: string | undefined): boolean {
    // Not remembered per operationName: that is the client's to choose, and a scan of the definitions is cheap.
    const type = getOperationAST(document, operationName)?.operation;
    return type === "query" || type === "mutation";
  }

  /** The operation's run, or undefined when yoga must answer (it fails to parse or validate, or is a subscription). */
  function prepare(params: Params, initialContext: Record<string, unknown>): (() => Promise<ExecutionResult>) | undefined {
    const { execute } = options;
    if (execute) {
      const document = validDocument(params.query, initialContext);
      if (!document || !runnable(document, params.operationName)) return undefined;
      return () => execute({ document, operationName: params.operationName, variableValues: params.variables, initialContext });
    }
    const enveloped = yoga.getEnveloped(initialContext as never);
    let document: DocumentNode;
    try {
      document = enveloped.parse(params.query);
    } catch {
      return undefined;
    }
    if (!runnable(document, params.operationName) || enveloped.validate(enveloped.schema, document).length > 0) {
      return undefined;
    }
    return async () => {
      const contextValue = await enveloped.contextFactory();
      return (await enveloped.execute({
        schema: enveloped.schema,
        document,
        contextValue: contextValue as ExecutionArgs["contextValue"],
        variableValues: params.variables,
        operationName: params.operationName,
      })) as ExecutionResult;
    };
  }

  async function serve(res: ServerResponse, accept: string, serverContext: object, run: () => Promise<ExecutionResult>) {
    let result: ExecutionResult;
    try {
      result = await run();
    } catch (err) {
      result = { errors: [options.maskError(err)] };
    }
    const processed = processRegularResult(result, captureFetchAPI as never, accept) as unknown as {
      body: string;
      init: { status: number; headers: Record<string, string> };
    };
    const headers: OutgoingHttpHeaders = { ...processed.init.headers, ...options.responseHeaders(serverContext, result) };
    headers["content-length"] = Buffer.byteLength(processed.body);
    res.writeHead(processed.init.status, headers);
    res.end(processed.body);
  }

  /** True when the lane took the request; false leaves it to yoga. */
  function tryServe(req: IncomingMessage, res: ServerResponse, body: Buffer): boolean {
    const params = plainParams(body.toString("utf8"));
    if (!params) return false;
    const accept = negotiateResultType(req.headers.accept);
    const serverContext = accept && options.serverContext(req);
    if (!accept || !serverContext || !(validated.has(params.query) || parsesCleanly(params.query))) return false;
    const run = prepare(params, { ...serverContext, params });
    if (!run) return false;
    options.onServed?.();
    void serve(res, accept, serverContext, run).catch(() => res.destroy());
    return true;
  }

  return (next) => (req, res) => {
    if (req.method !== "POST" || req.url !== options.graphqlPath || req.headers.origin !== undefined) return next(req, res);
    const length = Number(req.headers["content-length"]);
    if (!(length > 0 && length <= maxBodyBytes) || !req.headers["content-type"]?.startsWith(JSON_TYPE)) return next(req, res);
    readBody(req, res, (body) => {
      if (body.length <= maxBodyBytes && tryServe(req, res, body)) return;
      continueWithBody(next, req, res, body);
    });
  };
}
