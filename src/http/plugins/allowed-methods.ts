import type { FastifyInstance } from "fastify";
import FindMyWay, { type HTTPMethod } from "find-my-way";

/** The methods the app's routes accept for a request path (to tell a 405 from a 404). */
export interface AllowedMethods {
  /** Sorted method names; empty when no route matches the path with any method. */
  forPath(path: string): string[];
}

const noop = () => undefined;

/**
 * Mirrors every route the app registers into a second router that only answers "which methods
 * match this path". Fastify's own router is not public, and matching the path text against the
 * route patterns ourselves would get parameters and wildcards wrong. Must be called before any
 * route is registered.
 */
export function trackAllowedMethods(app: FastifyInstance): AllowedMethods {
  // The same matching rules as Fastify's defaults (no trailing-slash or case folding).
  const router = FindMyWay();
  const methods = new Set<HTTPMethod>();
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat().map((name) => name.toUpperCase() as HTTPMethod)) {
      if (router.hasRoute(method, route.url)) continue;
      router.on(method, route.url, noop);
      methods.add(method);
    }
  });
  return {
    forPath(path) {
      return [...methods].filter((method) => router.find(method, path) !== null).sort();
    },
  };
}
