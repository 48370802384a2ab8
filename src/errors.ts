/**
 * The one catalog of error codes frontdesk returns. Each code has an HTTP status and a one-line
 * meaning (listed in the README). Bodies are always `{ error: { code, message, requestId } }`.
 */
export const ERROR_CATALOG = {
  BAD_JSON: { statusCode: 400, meaning: "The body is not valid JSON." },
  INVALID_PAYLOAD: { statusCode: 400, meaning: "The body is JSON but not the expected shape." },
  VALIDATION_FAILED: {
    statusCode: 400,
    meaning: "A field failed validation; details list each path.",
  },
  UNAUTHORIZED: { statusCode: 401, meaning: "Missing or invalid credentials or signature." },
  FORBIDDEN: { statusCode: 403, meaning: "Authenticated but not allowed to do this." },
  NOT_FOUND: { statusCode: 404, meaning: "No such resource or route." },
  METHOD_NOT_ALLOWED: {
    statusCode: 405,
    meaning: "The path exists but not for this method; `Allow` lists the methods it takes.",
  },
  CONFLICT: { statusCode: 409, meaning: "The change conflicts with existing data." },
  PAYLOAD_TOO_LARGE: { statusCode: 413, meaning: "The body is larger than BODY_LIMIT_BYTES." },
  UNSUPPORTED_MEDIA_TYPE: { statusCode: 415, meaning: "The Content-Type is not application/json." },
  INTERNAL: { statusCode: 500, meaning: "An unexpected server fault; logged with its stack." },
  SERVICE_UNAVAILABLE: { statusCode: 503, meaning: "A dependency is down; retry later." },
  TIMEOUT: { statusCode: 504, meaning: "The work did not finish within its time budget." },
} as const satisfies Record<string, { statusCode: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface AppErrorOptions {
  /** Extra machine-readable data (for example validation issues with their paths). */
  details?: unknown;
  cause?: unknown;
  /** Whether `message` may be shown to the caller; when false a generic sentence is sent. */
  expose?: boolean;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: unknown;
  readonly expose: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.statusCode = ERROR_CATALOG[code].statusCode;
    this.details = options.details;
    this.expose = options.expose ?? this.statusCode < 500;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string; details?: unknown };
}

export function toErrorBody(error: AppError, requestId: string): ErrorBody {
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: error.expose ? error.message : ERROR_CATALOG[error.code].meaning,
      requestId,
    },
  };
  if (error.expose && error.details !== undefined) body.error.details = error.details;
  return body;
}
