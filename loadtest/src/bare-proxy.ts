// The floor under the router's hop: a bare node:http server that forwards each request body to one upstream over
// keep-alive undici connections (as the router's Agent does) and returns the answer's bytes. No GraphQL, no
// plugins. counters-increment.ts puts it in front of bare-counters.ts. Not a product path.
//   BARE_PORT: where it listens; BARE_UPSTREAM: the origin it forwards to (e.g. http://127.0.0.1:4100).
import { createServer } from "node:http";
import { Agent } from "undici";
import { readBody } from "@plaza/kit";

const upstream = process.env.BARE_UPSTREAM!;
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });

const server = createServer((req, res) =>
  readBody(req, res, (body) => {
    agent
      .request({ origin: upstream, path: "/", method: "POST", headers: { "content-type": "application/json" }, body })
      .then(async (answer) => {
        const bytes = Buffer.from(await answer.body.arrayBuffer());
        res.writeHead(answer.statusCode, { "content-type": "application/json", "content-length": bytes.length });
        res.end(bytes);
      })
      .catch(() => res.destroy());
  }),
);
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.BARE_PORT), "127.0.0.1");

const stop = () => {
  server.close();
  void agent.close().finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
