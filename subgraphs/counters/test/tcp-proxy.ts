import net from "node:net";

/**
 * A loopback TCP forwarder in front of a real server, to cut a service off and bring it back on the same port (an
 * outage the client cannot tell from the server going down). Nothing is mocked: bytes pass through unchanged.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;

  async function listen(): Promise<void> {
    const created = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      created.once("error", reject);
      created.listen(port, "127.0.0.1", () => resolve());
    });
    port = (created.address() as net.AddressInfo).port;
    server = created;
  }

  await listen();
  return {
    get port() {
      return port;
    },
    /** Refuses new connections and drops the open ones. */
    async down(): Promise<void> {
      const closing = server;
      server = undefined;
      if (!closing) return;
      const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    /** Accepts connections again, on the same port. */
    up: () => (server ? Promise.resolve() : listen()),
    close(): Promise<void> {
      return this.down();
    },
  };
}
