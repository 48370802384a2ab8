import type { FastifyReply, FastifyRequest } from "fastify";
import type { Dashboard } from "../../../dashboard/create-dashboard.js";
import type { SafeHtml } from "../../../dashboard/html.js";
import type { Session } from "../../../dashboard/session.js";
import type { PageContext } from "../../../dashboard/views/layout.js";
import { AppError } from "../../../errors.js";

export const SESSION_COOKIE = "frontdesk_session";
export const COOKIE_PATH = "/dashboard";

/** The signed-in session and page context of a request, set by the auth hook. */
const contexts = new WeakMap<FastifyRequest, { session: Session; page: PageContext }>();

export function setRequestSession(request: FastifyRequest, session: Session, page: PageContext) {
  contexts.set(request, { session, page });
}

/** @throws AppError UNAUTHORIZED when the auth hook did not sign this request in. */
export function sessionOf(request: FastifyRequest): { session: Session; page: PageContext } {
  const found = contexts.get(request);
  if (found === undefined) throw new AppError("UNAUTHORIZED", "Sign in to use the dashboard.");
  return found;
}

/** The tenant this request may see: its own for a tenant session, any (undefined) for the operator. */
export function scopeOf(request: FastifyRequest): { tenantId: string | undefined } {
  const { principal } = sessionOf(request).session;
  return { tenantId: principal.role === "tenant" ? principal.tenantId : undefined };
}

/** @throws AppError NOT_FOUND for a tenant session asking for another tenant (no hint it exists). */
export function assertCanSeeTenant(request: FastifyRequest, tenantId: string): void {
  const { principal } = sessionOf(request).session;
  if (principal.role === "tenant" && principal.tenantId !== tenantId) {
    throw new AppError("NOT_FOUND", `no tenant "${tenantId}"`);
  }
}

/** @throws AppError FORBIDDEN unless the operator is signed in. */
export function assertAdmin(request: FastifyRequest): void {
  if (sessionOf(request).session.principal.role !== "admin") {
    throw new AppError("FORBIDDEN", "Only the operator can do this.");
  }
}

export function sendPage(reply: FastifyReply, page: SafeHtml, statusCode = 200) {
  return reply.status(statusCode).type("text/html; charset=utf-8").send(page.value);
}

/** 303 See Other: after a POST the browser GETs the target (no resubmission on reload). */
export function redirect(reply: FastifyReply, location: string) {
  return reply.status(303).header("location", location).send();
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index === -1) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

export function sessionCookie(dashboard: Dashboard, value: string, maxAgeSeconds: number): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    `Path=${COOKIE_PATH}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    "HttpOnly",
    "SameSite=Strict",
    ...(dashboard.secureCookies ? ["Secure"] : []),
  ].join("; ");
}

/** The urlencoded form body (the dashboard's parser turns it into URLSearchParams). */
export function formOf(request: FastifyRequest): URLSearchParams {
  return request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
}
