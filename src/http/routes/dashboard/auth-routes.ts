import type { FastifyInstance } from "fastify";
import type { Dashboard } from "../../../dashboard/create-dashboard.js";
import { safeNextPath } from "../../../dashboard/dashboard-queries.js";
import { loginPage } from "../../../dashboard/views/login-page.js";
import { formOf, redirect, sendPage, sessionCookie } from "./dashboard-context.js";

export interface AuthRoutesOptions {
  dashboard: Dashboard;
}

// A wrong token costs the sender this long: brute force over HTTP gets slower still.
const FAILED_SIGN_IN_DELAY_MS = 400;

/** GET/POST /dashboard/login and POST /dashboard/logout. */
export async function authRoutes(app: FastifyInstance, { dashboard }: AuthRoutesOptions) {
  app.get<{ Querystring: Record<string, unknown> }>("/login", async (request, reply) => {
    const signedOut = request.query.signedOut === "1";
    return sendPage(
      reply,
      loginPage({
        next: safeNextPath(request.query.next),
        notice: signedOut ? "You are signed out." : undefined,
      }),
    );
  });

  app.post("/login", async (request, reply) => {
    const form = formOf(request);
    const next = safeNextPath(form.get("next"));
    const signedIn = dashboard.keys.authenticate(form.get("token") ?? "");
    const name =
      signedIn === undefined ? undefined : await dashboard.describePrincipal(signedIn.principal);
    if (signedIn === undefined || name === undefined) {
      request.log.warn("dashboard sign-in refused: wrong or expired token");
      await new Promise((resolve) => setTimeout(resolve, FAILED_SIGN_IN_DELAY_MS));
      return sendPage(
        reply,
        loginPage({ next, error: "That token is not valid, or it has expired." }),
        401,
      );
    }
    const { principal, notAfter } = signedIn;
    // A tenant token's session never outlives the token.
    const { cookie, maxAgeSeconds } = dashboard.keys.issue(principal, notAfter);
    request.log.info(
      {
        role: principal.role,
        tenantId: principal.role === "tenant" ? principal.tenantId : undefined,
      },
      "dashboard sign-in",
    );
    void reply.header("set-cookie", sessionCookie(dashboard, cookie, maxAgeSeconds));
    return redirect(reply, next ?? "/dashboard");
  });

  app.post("/logout", async (_request, reply) => {
    void reply.header("set-cookie", sessionCookie(dashboard, "", 0));
    return redirect(reply, "/dashboard/login?signedOut=1");
  });
}
