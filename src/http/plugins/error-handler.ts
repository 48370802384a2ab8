import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { ZodError } from "zod";
import { AppError, toErrorBody } from "../../errors.js";
import { trackAllowedMethods } from "./allowed-methods.js";

// Fastify's own coded errors that are the client's fault, mapped onto our catalog.
const FASTIFY_CODES: Record<string, AppError["code"]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "INVALID_PAYLOAD",
  FST_ERR_CTP_EMPTY_JSON_BODY: "BAD_JSON",
  FST_ERR_CTP_INVALID_JSON_BODY: "BAD_JSON",
  FST_ERR_VALIDATION: "VALIDATION_FAILED",
};

/** Converts anything thrown in a route into `{error:{code,message,requestId}}`. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) {
    return new AppError("VALIDATION_FAILED", "The request failed validation.", {
      details: error.issues.map((issue) => ({
        path: issue.path.join(".") || "(root)",
        message: issue.message,
      })),
    });
  }
  // `throw undefined` or `throw null` must still end in a 500, not a crash in this handler.
  const fastifyError = (error ?? {}) as Partial<FastifyError>;
  const mapped = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (mapped !== undefined)
    return new AppError(mapped, fastifyError.message ?? mapped, { cause: error });
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new AppError("BAD_JSON", "The body is not valid JSON.", { cause: error });
  }
  if (
    typeof fastifyError.statusCode === "number" &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    return new AppError("INVALID_PAYLOAD", fastifyError.message ?? "Bad request.", {
      cause: error,
    });
  }
  return new AppError("INTERNAL", "Internal error.", { cause: error, expose: false });
}

// Body errors after which the request is still framed by its headers, so the connection can go on.
const BODY_ERRORS_KEEPING_THE_CONNECTION = new Set([
  "FST_ERR_CTP_BODY_TOO_LARGE",
  "FST_ERR_CTP_EMPTY_JSON_BODY",
  "FST_ERR_CTP_INVALID_JSON_BODY",
]);

/**
 * Fastify marks the connection to close after a body error, in case the client is still
 * sending. But closing a socket with unread bytes makes the kernel answer with a reset, and a
 * client still uploading can lose the 413 along with it: the long fuzz run saw one oversized
 * body in 100,000 requests end in EPIPE instead of its 413 (27 of 2,007 when repeated). Without
 * the header Node reads and discards the rest of the body, bounded by HTTP_REQUEST_TIMEOUT_MS
 * like any upload, so the client always reads its answer and may reuse the connection.
 */
function keepConnectionAfterBodyError(error: unknown, reply: FastifyReply): void {
  const code = (error as Partial<FastifyError> | null | undefined)?.code;
  if (code !== undefined && BODY_ERRORS_KEEPING_THE_CONNECTION.has(code)) {
    reply.removeHeader("connection");
  }
}

/** Must run before any route is registered (a 405 needs to know every route; the hook must reach it). */
export function registerErrorHandlers(app: FastifyInstance): void {
  const allowedMethods = trackAllowedMethods(app);
  // A hook rather than a line in each error handler: it runs before whichever handler the
  // route's plugin set (the dashboard has its own).
  app.addHook("onError", (_request, reply, error, done) => {
    keepConnectionAfterBodyError(error, reply);
    done();
  });
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.statusCode >= 500) {
      request.log.error({ err: error }, "request failed");
    } else {
      request.log.info({ code: appError.code, reason: appError.message }, "request rejected");
    }
    void reply.status(appError.statusCode).send(toErrorBody(appError, request.id));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    const allowed = allowedMethods.forPath(path);
    if (allowed.length > 0) {
      // RFC 9110 §15.5.6: a 405 lists what the resource does accept. A browser opening the
      // webhook URL learns it takes POST instead of being told it does not exist.
      const error = new AppError(
        "METHOD_NOT_ALLOWED",
        `${path} does not accept ${request.method}; it accepts ${allowed.join(", ")}.`,
      );
      void reply
        .status(405)
        .header("allow", allowed.join(", "))
        .send(toErrorBody(error, request.id));
      return;
    }
    const error = new AppError("NOT_FOUND", `No route for ${request.method} ${path}.`);
    void reply.status(404).send(toErrorBody(error, request.id));
  });
}
