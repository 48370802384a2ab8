import type { FastifyInstance } from "fastify";
import { ASSETS } from "../../../dashboard/assets/assets.js";
import { AppError } from "../../../errors.js";

/** GET /dashboard/assets/:name: the stylesheet and script, cached for good under their hash. */
export async function assetRoutes(app: FastifyInstance) {
  app.get<{ Params: { name: string } }>("/assets/:name", async (request, reply) => {
    const asset = Object.hasOwn(ASSETS, request.params.name)
      ? ASSETS[request.params.name]
      : undefined;
    if (asset === undefined) throw new AppError("NOT_FOUND", "No such asset.");
    const etag = `"${asset.hash}"`;
    void reply
      .header("etag", etag)
      .header("cache-control", "public, max-age=31536000, immutable")
      .type(asset.contentType);
    if (request.headers["if-none-match"] === etag) return reply.status(304).send();
    return reply.send(asset.body);
  });
}
