// One e-commerce subgraph in its own process: ECOMMERCE_SUBGRAPH names it, ECOMMERCE_PORT is where it listens
// (loopback). Kept lean so it is never the benchmark's bottleneck: plain node:http, graphql-js, and each distinct
// document parsed and validated once (gateways send a handful of distinct subgraph operations).
import { createServer, type IncomingMessage } from "node:http";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { execute, parse, validate, type DocumentNode, type GraphQLError } from "graphql";
import { ECOMMERCE_SUBGRAPHS, ecommerceSubgraphs, type EcommerceSubgraph } from "./schemas.ts";

const name = process.env.ECOMMERCE_SUBGRAPH as EcommerceSubgraph;
if (!ECOMMERCE_SUBGRAPHS.includes(name)) throw new Error(`ECOMMERCE_SUBGRAPH must be one of ${ECOMMERCE_SUBGRAPHS.join(", ")}`);
const definition = ecommerceSubgraphs[name];
const schema = buildSubgraphSchema([{ typeDefs: parse(definition.sdl), resolvers: definition.resolvers as never }]);

const MAX_BODY_BYTES = 1 << 20;
/** What gateways sent this subgraph so far (`GET /counts`): the bench divides it per client request. */
const traffic = { requests: 0, representations: 0, requestBytes: 0 };
const MAX_CACHED_DOCUMENTS = 1000;
const documents = new Map<string, { document: DocumentNode } | { errors: readonly GraphQLError[] }>();

function prepared(query: string) {
  let entry = documents.get(query);
  if (!entry) {
    try {
      const document = parse(query);
      const errors = validate(schema, document);
      entry = errors.length ? { errors } : { document };
    } catch (error) {
      entry = { errors: [error as GraphQLError] };
    }
    if (documents.size >= MAX_CACHED_DOCUMENTS) documents.clear();
    documents.set(query, entry);
  }
  return entry;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const server = createServer((request, response) => {
  const reply = (status: number, payload: unknown) => {
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
  };
  if (request.method === "GET" && request.url === "/counts") return reply(200, traffic);
  if (request.method !== "POST") return void response.writeHead(request.method === "HEAD" ? 200 : 405).end();
  readBody(request)
    .then(async (text) => {
      const { query, variables, operationName } = JSON.parse(text) as {
        query?: unknown;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      if (typeof query !== "string") return reply(400, { errors: [{ message: "query must be a string" }] });
      traffic.requests++;
      traffic.requestBytes += Buffer.byteLength(text);
      if (Array.isArray(variables?.representations)) traffic.representations += variables.representations.length;
      const entry = prepared(query);
      if ("errors" in entry) return reply(400, { errors: entry.errors.map((error) => ({ message: error.message })) });
      reply(200, await execute({ schema, document: entry.document, variableValues: variables, operationName }));
    })
    .catch((error: Error) => reply(400, { errors: [{ message: error.message }] }));
});
server.listen(Number(process.env.ECOMMERCE_PORT), "127.0.0.1");
const stop = () => server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
