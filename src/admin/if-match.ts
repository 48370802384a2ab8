import { AppError } from "../errors.js";

/**
 * What a write requires of the stored tenant: a version (`If-Match: "3"`), mere existence
 * (`If-Match: *`), or nothing (no header).
 */
export type Precondition = { version: number } | "exists" | undefined;

const ENTITY_TAG = /^(?:W\/)?"?(\d{1,15})"?$/;

/**
 * Parses an `If-Match` header carrying one of our ETags (the tenant version, quoted or bare).
 * @throws AppError VALIDATION_FAILED for anything else.
 */
export function parseIfMatch(header: string | string[] | undefined): Precondition {
  const value = (Array.isArray(header) ? header.join(",") : header)?.trim();
  if (value === undefined || value === "") return undefined;
  if (value === "*") return "exists";
  const match = ENTITY_TAG.exec(value);
  if (match?.[1] === undefined) {
    throw new AppError("VALIDATION_FAILED", "If-Match must be one ETag returned by this API.", {
      details: [{ path: "headers.if-match", message: 'must be a version like "3" or *' }],
    });
  }
  return { version: Number(match[1]) };
}

/** The ETag for a tenant version. */
export function toEntityTag(version: number): string {
  return `"${version}"`;
}
