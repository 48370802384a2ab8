import { createHash, timingSafeEqual } from "node:crypto";
import type { onRequestAsyncHookHandler } from "fastify";
import { AppError } from "../../errors.js";

export interface AdminAuthOptions {
  /** The shared admin token (ADMIN_TOKEN, at least 16 characters). */
  token: string;
  /** Sent in `WWW-Authenticate` (RFC 6750). Default "frontdesk-admin". */
  realm?: string;
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * An onRequest hook requiring `Authorization: Bearer <token>`. It runs before the body is read,
 * so unauthenticated callers cannot make us parse anything. Tokens are compared as SHA-256
 * digests with `timingSafeEqual`: equal lengths whatever was sent, and no early exit that would
 * reveal how many leading characters matched.
 * @throws AppError UNAUTHORIZED when the header is missing, malformed or wrong.
 */
export function adminAuth(options: AdminAuthOptions): onRequestAsyncHookHandler {
  const expected = sha256(options.token);
  const challenge = `Bearer realm="${options.realm ?? "frontdesk-admin"}"`;
  return async (request, reply) => {
    const presented = BEARER.exec(request.headers.authorization ?? "")?.[1];
    if (presented === undefined) {
      void reply.header("www-authenticate", challenge);
      throw new AppError("UNAUTHORIZED", "Send Authorization: Bearer <ADMIN_TOKEN>.");
    }
    if (!timingSafeEqual(sha256(presented), expected)) {
      void reply.header("www-authenticate", `${challenge}, error="invalid_token"`);
      throw new AppError("UNAUTHORIZED", "The admin token is not valid.");
    }
  };
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
