import { createConnection, createServer, type Socket } from "node:net";

/**
 * A real TCP proxy in front of a store (PostgreSQL, Redis) that a test can turn into a black hole:
 * connections stay open and are still accepted, but no byte moves in either direction, which is
 * what a hung server, a full network buffer or a silently dropped route looks like to a client
 * (no error, no close, just nothing).
 */
export interface TcpProxy {
  port: number;
  /** `host:port` of the proxy, for building a store URL. */
  address: string;
  /** Connections currently open through the proxy. */
  readonly connections: number;
  /** Stops forwarding: bytes already sent are held; new connections are accepted but stall. */
  blackhole(): void;
  /** Forwards again, first the bytes held while black-holed, in order. */
  resume(): void;
  /** Closes every open connection (both sides), as a restart of the store would. */
  cutAll(): void;
  close(): Promise<void>;
}

interface Pipe {
  client: Socket;
  upstream: Socket | undefined;
  /** Bytes read while black-holed, per direction, forwarded on resume. */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

/** Listens on 127.0.0.1 (port 0) and forwards every connection to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let stalled = false;
  const pipes = new Set<Pipe>();

  const connectUpstream = (pipe: Pipe) => {
    const upstream = createConnection({ host: target.host, port: target.port });
    pipe.upstream = upstream;
    upstream.on("data", (chunk: Buffer) => {
      if (stalled) pipe.toClient.push(chunk);
      else pipe.client.write(chunk);
    });
    upstream.on("error", () => pipe.client.destroy());
    upstream.on("close", () => {
      pipe.client.destroy();
      pipes.delete(pipe);
    });
    // Bytes the client sent before the upstream existed.
    flush(pipe);
  };

  const flush = (pipe: Pipe) => {
    const { upstream } = pipe;
    if (upstream === undefined) return;
    for (const chunk of pipe.toUpstream.splice(0)) upstream.write(chunk);
    for (const chunk of pipe.toClient.splice(0)) pipe.client.write(chunk);
  };

  const server = createServer((client) => {
    const pipe: Pipe = { client, upstream: undefined, toUpstream: [], toClient: [] };
    pipes.add(pipe);
    client.on("data", (chunk: Buffer) => {
      if (stalled || pipe.upstream === undefined) pipe.toUpstream.push(chunk);
      else pipe.upstream.write(chunk);
    });
    client.on("error", () => pipe.upstream?.destroy());
    client.on("close", () => {
      pipe.upstream?.destroy();
      pipes.delete(pipe);
    });
    // A black-holed proxy still accepts (the kernel would), but never reaches the store.
    if (!stalled) connectUpstream(pipe);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const bound = server.address();
  if (bound === null || typeof bound === "string") throw new Error("proxy has no TCP address");

  return {
    port: bound.port,
    address: `127.0.0.1:${bound.port}`,
    get connections() {
      return pipes.size;
    },
    blackhole() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const pipe of pipes) {
        if (pipe.upstream === undefined) connectUpstream(pipe);
        else flush(pipe);
      }
    },
    cutAll() {
      for (const pipe of pipes) {
        pipe.client.destroy();
        pipe.upstream?.destroy();
      }
      pipes.clear();
    },
    async close() {
      for (const pipe of pipes) {
        pipe.client.destroy();
        pipe.upstream?.destroy();
      }
      pipes.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
