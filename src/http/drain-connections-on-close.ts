import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import type { HttpTimeoutsConfig } from "../config.js";

// While closing, how often connections are looked at.
const SWEEP_INTERVAL_MS = 100;

/**
 * Lets `app.close()` finish as soon as the requests in flight are answered, while still holding
 * slow clients to their timeouts. Must be called before the app listens.
 *
 * Node's `server.close()` closes the connections idle at that moment and then waits for all the
 * others, which leaves two ways to hold shutdown until the forced exit in main.ts:
 * - a keep-alive connection whose request was in flight stays open after its answer, until the
 *   client or the keep-alive timeout (72 s) closes it. So every answer sent while closing
 *   carries `Connection: close`, and connections that are idle anyway are closed as they go idle;
 * - Node stops enforcing the headers and request timeouts once the server closes, so one
 *   slowloris client would keep the process alive. So while closing, a connection that has not
 *   delivered its headers within `headersTimeoutMs`, or its whole request within
 *   `requestTimeoutMs`, of the close starting is destroyed: no slower than Node would have been.
 */
export function drainConnectionsOnClose(app: FastifyInstance, timeouts: HttpTimeoutsConfig): void {
  const sockets = new Set<Socket>();
  // The latest response of each connection. Its request is the one the connection is receiving
  // or being answered on until the response has finished; then the connection is between
  // requests. (Read when sweeping rather than tracked with a "finish" listener per response,
  // which was a measurable part of every request's cost.)
  const responses = new Map<Socket, ServerResponse>();
  const requestInFlight = (socket: Socket): IncomingMessage | undefined => {
    const response = responses.get(socket);
    return response === undefined || response.writableFinished ? undefined : response.req;
  };
  app.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      responses.delete(socket);
    });
  });
  app.server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    responses.set(request.socket, response);
  });

  let closingSince: number | undefined;
  let sweep: NodeJS.Timeout | undefined;
  app.addHook("preClose", async () => {
    closingSince = Date.now();
    sweep = setInterval(() => {
      const elapsedMs = Date.now() - (closingSince ?? 0);
      app.server.closeIdleConnections();
      for (const socket of sockets) {
        const request = requestInFlight(socket);
        const isStalled =
          request === undefined
            ? elapsedMs >= timeouts.headersTimeoutMs
            : !request.complete && elapsedMs >= timeouts.requestTimeoutMs;
        if (isStalled) socket.destroy();
      }
    }, SWEEP_INTERVAL_MS);
    sweep.unref();
  });
  // Callback style, not async: it runs on every response, and a promise per response shows.
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (closingSince !== undefined) void reply.header("connection", "close");
    done(null, payload);
  });
  app.addHook("onClose", async () => clearInterval(sweep));
}
