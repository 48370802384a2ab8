import { randomFillSync } from "node:crypto";

// Crockford-style alphabet: no I, L, O or U, so a reference read over the phone is unambiguous.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A random id like `bk_7F2KX9QD3M1P` (60 random bits), prefixed by what it identifies. */
export function newId(prefix: string): string {
  const offset = takeRandom(ID_BYTES);
  let code = "";
  for (let index = offset; index < offset + ID_BYTES; index += 1) {
    code += ALPHABET[(pool[index] ?? 0) % ALPHABET.length] ?? "0";
  }
  return `${prefix}_${code}`;
}

const ID_BYTES = 12;
// Random bytes are drawn from the OS in batches: one call per id cost more than the id.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** Reserves `count` fresh random bytes of `pool`; returns where they start. */
function takeRandom(count: number): number {
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const offset = poolOffset;
  poolOffset += count;
  return offset;
}

/** The first six characters after the prefix: short enough to read out, e.g. "7F2KX9". */
export function speakableReference(id: string): string {
  const code = id.slice(id.indexOf("_") + 1);
  return code.slice(0, 6);
}
