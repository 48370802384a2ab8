import { randomBytes } from "node:crypto";

// Crockford-style alphabet: no I, L, O or U, so a reference read over the phone is unambiguous.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A random id like `bk_7F2KX9QD3M1P` (60 random bits), prefixed by what it identifies. */
export function newId(prefix: string): string {
  const bytes = randomBytes(12);
  let code = "";
  for (const byte of bytes) code += ALPHABET[byte % ALPHABET.length] ?? "0";
  return `${prefix}_${code}`;
}

/** The first six characters after the prefix: short enough to read out, e.g. "7F2KX9". */
export function speakableReference(id: string): string {
  const code = id.slice(id.indexOf("_") + 1);
  return code.slice(0, 6);
}
