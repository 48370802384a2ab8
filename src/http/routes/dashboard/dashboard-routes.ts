import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Dashboard } from "../../../dashboard/create-dashboard.js";
import { safeNextPath } from "../../../dashboard/dashboard-queries.js";
import { errorPage } from "../../../dashboard/views/layout.js";
import { AppError } from "../../../errors.js";
import { toAppError } from "../../plugins/error-handler.js";
import { rejectNulCharacters } from "../../plugins/reject-nul-characters.js";
import { assetRoutes } from "./asset-routes.js";
import { authRoutes } from "./auth-routes.js";
import { callRoutes } from "./call-routes.js";
import {
  formOf,
  readCookie,
  redirect,
  SESSION_COOKIE,
  sendPage,
  sessionCookie,
  sessionOf,
  setRequestSession,
} from "./dashboard-context.js";
import { deliveryRoutes } from "./delivery-routes.js";
import { liveRoutes } from "./live-routes.js";
import { tenantRoutes } from "./tenant-routes.js";

export interface DashboardRoutesOptions {
  dashboard: Dashboard;
  /** PUBLIC_URL: behind a proxy that rewrites Host, forms posted from it still count as ours. */
  publicUrl?: string | undefined;
}

// FAQ answers may reach 500 × 2 KB; anything bigger is not a form a person filled in.
const FORM_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

// Strict: no inline script or style anywhere; recordings play from their https storage.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "media-src https:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const PUBLIC_PATHS = new Set(["/dashboard/login"]);

/**
 * The dashboard (register with prefix /dashboard): server-rendered pages behind a signed cookie
 * session. Encapsulated, so its form parser, auth hook and HTML error pages touch no other route.
 */
export async function dashboardRoutes(
  app: FastifyInstance,
  { dashboard, publicUrl }: DashboardRoutesOptions,
) {
  const publicOrigin = publicUrl === undefined ? undefined : new URL(publicUrl).origin;
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: FORM_BODY_LIMIT_BYTES },
    (_request, body, done) => done(null, new URLSearchParams(String(body))),
  );

  app.addHook("onSend", async (request, reply, payload) => {
    void reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
    void reply.header("x-content-type-options", "nosniff");
    void reply.header("x-frame-options", "DENY");
    void reply.header("referrer-policy", "same-origin");
    if (!request.url.startsWith("/dashboard/assets/"))
      void reply.header("cache-control", "no-store");
    return payload;
  });

  app.addHook("onRequest", async (request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    if (PUBLIC_PATHS.has(path) || path.startsWith("/dashboard/assets/")) return;
    const session = dashboard.keys.verify(readCookie(request.headers.cookie, SESSION_COOKIE));
    const name =
      session === undefined ? undefined : await dashboard.describePrincipal(session.principal);
    if (session === undefined || name === undefined) {
      if (session !== undefined) void reply.header("set-cookie", sessionCookie(dashboard, "", 0));
      if (request.method === "GET" && !path.endsWith("/events")) {
        const next = safeNextPath(request.url);
        return redirect(
          reply,
          `/dashboard/login${next === undefined ? "" : `?next=${encodeURIComponent(next)}`}`,
        );
      }
      throw new AppError("UNAUTHORIZED", "Sign in to use the dashboard.");
    }
    setRequestSession(request, session, {
      principal: session.principal,
      principalName: name,
      csrfToken: dashboard.keys.csrfToken(session),
    });
  });

  app.addHook("preValidation", rejectNulCharacters());

  // Every state-changing form carries the session's CSRF token; SameSite=Strict is the first
  // line, this is the second, and a foreign Origin is refused outright.
  app.addHook("preHandler", async (request) => {
    if (request.method !== "POST") return;
    if (!isSameOrigin(request, publicOrigin))
      throw new AppError("FORBIDDEN", "The form came from another site.");
    if ((request.url.split("?")[0] ?? "") === "/dashboard/login") return;
    const { session } = sessionOf(request);
    if (!dashboard.keys.isValidCsrf(session, formOf(request).get("_csrf") ?? undefined)) {
      throw new AppError(
        "FORBIDDEN",
        "This form has expired. Go back, reload the page and try again.",
      );
    }
  });

  app.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(error);
    if (appError.statusCode >= 500) request.log.error({ err: error }, "dashboard request failed");
    else
      request.log.info(
        { code: appError.code, reason: appError.message },
        "dashboard request rejected",
      );
    const titles: Record<number, string> = {
      400: "That request was not valid",
      401: "Please sign in",
      403: "Not allowed",
      404: "Not found",
      413: "Too large",
    };
    const title = titles[appError.statusCode] ?? "Something went wrong";
    const message =
      appError.statusCode >= 500
        ? `The page could not be shown. The error was logged with request id ${request.id}.`
        : appError.statusCode === 404
          ? "There is nothing here, or it belongs to a business you cannot see."
          : appError.message;
    return sendPage(
      reply,
      errorPage(pageOf(request), appError.statusCode, title, message),
      appError.statusCode,
    );
  });

  app.setNotFoundHandler(async (request, reply) =>
    sendPage(
      reply,
      errorPage(pageOf(request), 404, "Not found", "There is no dashboard page at this address."),
      404,
    ),
  );

  await app.register(assetRoutes);
  await app.register(authRoutes, { dashboard });
  await app.register(liveRoutes, { dashboard });
  await app.register(tenantRoutes, { dashboard });
  await app.register(callRoutes, { dashboard });
  await app.register(deliveryRoutes, { dashboard });
  app.addHook("onClose", async () => dashboard.close());
}

/** The signed-in page context, if the request got that far (error pages show the sidebar). */
function pageOf(request: FastifyRequest) {
  try {
    return sessionOf(request).page;
  } catch {
    return undefined;
  }
}

/** When the browser says where a POST came from, it must be this host. */
function isSameOrigin(request: FastifyRequest, publicOrigin: string | undefined): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (origin === publicOrigin) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
