import type { FastifyInstance } from "fastify";
import type { Dashboard } from "../../../dashboard/create-dashboard.js";
import { createLiveDiffer } from "../../../dashboard/live-feed.js";
import { livePage } from "../../../dashboard/views/live-page.js";
import { scopeOf, sendPage, sessionOf } from "./dashboard-context.js";

export interface LiveRoutesOptions {
  dashboard: Dashboard;
}

// Proxies and the server's own idle timeout (30 s) close silent connections; a comment line
// every 15 s keeps the stream open.
const HEARTBEAT_MS = 15_000;
// EventSource reconnects after this long when the stream drops.
const RETRY_MS = 3000;

/** GET /dashboard: the live view. GET /dashboard/live/events: its server-sent events. */
export async function liveRoutes(app: FastifyInstance, { dashboard }: LiveRoutesOptions) {
  const open = new Set<() => void>();

  app.get("/", async (request, reply) => {
    const scope = scopeOf(request);
    const [overview, snapshot] = await Promise.all([
      dashboard.reader.overview(scope),
      dashboard.reader.liveSnapshot(scope),
    ]);
    return sendPage(reply, livePage(sessionOf(request).page, { overview, snapshot }));
  });

  app.get("/live/events", async (request, reply) => {
    const scope = scopeOf(request);
    const differ = createLiveDiffer(scope.tenantId === undefined);
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      // nginx and friends must pass events through as they come.
      "x-accel-buffering": "no",
      "x-request-id": request.id,
    });
    response.write(`retry: ${RETRY_MS}\n\n`);
    const unsubscribe = dashboard.live.subscribe(scope, (snapshot) => {
      const update = differ(snapshot);
      if (update !== undefined)
        response.write(`event: update\ndata: ${JSON.stringify(update)}\n\n`);
    });
    const heartbeat = setInterval(() => response.write(": keep-alive\n\n"), HEARTBEAT_MS);
    const stop = () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(end);
    };
    const end = () => {
      stop();
      response.end();
    };
    open.add(end);
    request.raw.once("close", stop);
    request.log.debug({ tenantId: scope.tenantId }, "live view stream opened");
  });

  // Streams never finish on their own: end them before the server waits for connections.
  app.addHook("preClose", async () => {
    for (const end of [...open]) end();
  });
}
