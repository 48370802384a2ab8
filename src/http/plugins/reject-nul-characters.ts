import type { preValidationAsyncHookHandler } from "fastify";
import { AppError } from "../../errors.js";
import type { FieldIssue } from "../../tenants/tenant-document.js";

const NUL = "\u0000";

/**
 * A preValidation hook refusing path parameters and query values that contain U+0000 (`%00`)
 * with a field-path 400. PostgreSQL text cannot hold the character, so such a value used in a
 * query failed there with a 500 while SQLite simply found nothing; now both stores answer the
 * same. Bodies are checked by their own schemas (the tenant document rejects NUL anywhere).
 * @throws AppError VALIDATION_FAILED naming each offending parameter.
 */
export function rejectNulCharacters(): preValidationAsyncHookHandler {
  return async (request) => {
    const issues: FieldIssue[] = [];
    for (const source of [request.params, request.query]) {
      if (typeof source !== "object" || source === null) continue;
      for (const [name, value] of Object.entries(source)) {
        const values: unknown[] = Array.isArray(value) ? value : [value];
        if (values.some((item) => typeof item === "string" && item.includes(NUL))) {
          issues.push({ path: name, message: "must not contain the NUL character (U+0000)" });
        }
      }
    }
    if (issues.length > 0) {
      throw new AppError("VALIDATION_FAILED", "The request is invalid.", { details: issues });
    }
  };
}
