import type { z } from "zod";
import { AppError } from "../../errors.js";
import type { FieldIssue } from "../../tenants/tenant-document.js";

/**
 * Parses a query string object with `schema`.
 * @throws AppError VALIDATION_FAILED listing each parameter's path; an unknown parameter is
 * reported under its own name rather than as one issue at the root.
 */
export function parseQuery<TSchema extends z.ZodType>(
  schema: TSchema,
  query: unknown,
): z.output<TSchema> {
  const parsed = schema.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  const issues: FieldIssue[] = parsed.error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: key, message: "is not a known query parameter" }))
      : [{ path: issue.path.map(String).join(".") || "(root)", message: issue.message }],
  );
  throw new AppError("VALIDATION_FAILED", "The query is invalid.", { details: issues });
}
