import type { FastifyInstance } from "fastify";
import { buildOpenApiDocument } from "./openapi-document.js";

/** GET /openapi.json, built once at startup from the zod schemas. */
export async function openApiRoute(app: FastifyInstance) {
  const body = JSON.stringify(buildOpenApiDocument());
  app.get("/openapi.json", async (_request, reply) =>
    reply.type("application/json; charset=utf-8").send(body),
  );
}
