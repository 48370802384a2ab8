import type { TestServer } from "../../helpers/start-server.js";

/** At least 16 characters, as config requires. */
export const ADMIN_TOKEN = "admin-test-token-5c1e9a7f2b";

export interface AdminResponse<TBody> {
  status: number;
  headers: Headers;
  body: TBody;
}

export interface AdminRequestOptions {
  /** An object is sent as JSON; a string is sent as-is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Default: the right token; `null` sends no Authorization header. */
  token?: string | null;
}

export type AdminCall = <TBody = unknown>(
  method: string,
  path: string,
  options?: AdminRequestOptions,
) => Promise<AdminResponse<TBody>>;

/** Speaks HTTP to /admin/v1 on a running test server; the body is parsed JSON (or undefined). */
export function adminClient(server: TestServer): AdminCall {
  return async <TBody>(method: string, path: string, options: AdminRequestOptions = {}) => {
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    const headers: Record<string, string> = {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers,
    };
    const body =
      options.body === undefined
        ? null
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body);
    const response = await fetch(`${server.url}/admin/v1${path}`, { method, headers, body });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text === "" ? undefined : JSON.parse(text)) as TBody,
    };
  };
}

/** The standard error body. */
export interface ErrorResponse {
  error: {
    code: string;
    message: string;
    requestId: string;
    details?: unknown;
  };
}

/** The field paths of a VALIDATION_FAILED body. */
export function fieldPaths(body: ErrorResponse): string[] {
  const details = body.error.details as { path: string }[] | undefined;
  return (details ?? []).map((issue) => issue.path);
}

/** A shallow copy of `value` without `keys`. */
export function omit<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const key of keys) delete copy[key];
  return copy;
}
