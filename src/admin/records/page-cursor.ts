/** A position in a newest-first list: the last row of the previous page. */
export interface PagePosition {
  createdAt: string;
  id: string;
}

/**
 * The opaque `nextCursor` for a page ending at `position`: base64url of `[createdAt, id]`.
 * Opaque so clients pass it back unchanged and the key can change without an API version.
 */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), "utf8").toString(
    "base64url",
  );
}

/** The position a cursor names, or undefined when it is not one this API produced. */
export function decodeCursor(cursor: string): PagePosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [createdAt, id] = value as unknown[];
    if (typeof createdAt !== "string" || typeof id !== "string") return undefined;
    if (createdAt === "" || id === "" || Number.isNaN(Date.parse(createdAt))) return undefined;
    return { createdAt, id };
  } catch {
    return undefined;
  }
}
