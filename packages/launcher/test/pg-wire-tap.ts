import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of Postgres that reads what clients send (the frontend side of the wire protocol) and counts
 * Parse messages that name their statement: how a test sees from outside whether a service prepares statements
 * (DATABASE_PREPARED_STATEMENTS), without touching the service.
 */
export interface PgWireTap {
  /** `databaseUrl` with its host and port replaced by the tap's. */
  through(databaseUrl: string): string;
  /** Parse messages with a statement name, over every connection so far. */
  namedParses(): number;
  /** Parse messages of the unnamed statement. */
  unnamedParses(): number;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PARSE = 0x50; // 'P'

export async function startPgWireTap(target: { host: string; port: number }): Promise<PgWireTap> {
  let named = 0;
  let unnamed = 0;
  const sockets = new Set<Socket>();

  function readFrontend(client: Socket, upstream: Socket): void {
    let buffered = Buffer.alloc(0);
    let started = false;
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (!started) {
          // Untyped start-up packets: length, then a code; an SSL or GSS request is followed by another start-up.
          if (buffered.length < 8) return;
          const length = buffered.readInt32BE(0);
          if (buffered.length < length) return;
          const code = buffered.readInt32BE(4);
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) started = true;
          buffered = buffered.subarray(length);
          continue;
        }
        if (buffered.length < 5) return;
        const length = buffered.readInt32BE(1);
        if (buffered.length < 1 + length) return;
        if (buffered[0] === PARSE) {
          if (buffered[5] === 0) unnamed++;
          else named++;
        }
        buffered = buffered.subarray(1 + length);
      }
    });
  }

  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    upstream.on("end", () => client.end());
    client.on("end", () => upstream.end());
    readFrontend(client, upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };

  return {
    through(databaseUrl) {
      const url = new URL(databaseUrl);
      url.hostname = "127.0.0.1";
      url.port = String(port);
      return url.toString();
    },
    namedParses: () => named,
    unnamedParses: () => unnamed,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
