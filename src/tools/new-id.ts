import { randomFillSync } from "node:crypto";

// Crockford-style alphabet: no I, L, O or U, so a reference read over the phone is unambiguous.
// Its characters are in ASCII order, so ids compare as the times they start with.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Milliseconds since 1970 in 45 bits: enough until the year 3084. */
const TIME_CHARS = 9;
const RANDOM_CHARS = 12;

/**
 * A new id like `ld_01JD3K8QZ7F2KX9QD3M1P`, prefixed by what it identifies: the creation time
 * (`nowMs`) then 60 random bits. Time first, so a new row lands at the end of its primary key's
 * B-tree instead of on a random page of it, which on SQLite cost a page written to the WAL per
 * insert (ADR 0010, addendum 3).
 */
export function newId(prefix: string, nowMs: number): string {
  let time = "";
  let rest = Math.max(0, Math.floor(nowMs));
  for (let index = 0; index < TIME_CHARS; index += 1) {
    time = (ALPHABET[rest % ALPHABET.length] ?? "0") + time;
    rest = Math.floor(rest / ALPHABET.length);
  }
  const offset = takeRandom(RANDOM_CHARS);
  let random = "";
  for (let index = offset; index < offset + RANDOM_CHARS; index += 1) {
    random += ALPHABET[(pool[index] ?? 0) % ALPHABET.length] ?? "0";
  }
  return `${prefix}_${time}${random}`;
}

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

/**
 * Six characters of the id's random part, short enough to read out: e.g. "7F2KX9" for
 * `ld_01JD3K8QZ7F2KX9QD3M1P`. Ids made before the time prefix (12 random characters) give
 * their first six, as they always did.
 */
export function speakableReference(id: string): string {
  const code = id.slice(id.indexOf("_") + 1);
  const random = code.length > RANDOM_CHARS ? code.slice(TIME_CHARS) : code;
  return random.slice(0, 6);
}
