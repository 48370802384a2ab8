import { createServer } from "node:net";

/**
 * A TCP port nothing listens on right now (bound on 127.0.0.1, then released), for a server
 * that must be told its port up front (redis-server, PostgreSQL). Another process may take it
 * before that server binds it: callers that can retry on "address in use" should.
 */
export async function spareTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no spare TCP port");
  return address.port;
}
