import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import MiniSearch from "minisearch";
import type { Tenant } from "../tenants/tenant-document.js";

export type FaqEntry = Tenant["faq"][number];

export interface FaqHit {
  /** Stable per question text: `faq-<hash>`; used as the knowledge-base document uuid. */
  uuid: string;
  question: string;
  answer: string;
  /** MiniSearch's BM25+ score (unbounded). */
  score: number;
  /** 0..1: share of the query's meaningful words found, weighted by score relative to the best. */
  similarity: number;
}

export interface FaqSearchOptions {
  /** Most hits returned. Default 3. */
  limit?: number;
  /** Hits below this similarity are dropped. Default 0.2. */
  minSimilarity?: number;
}

interface FaqIndex {
  search: MiniSearch<IndexedFaq>;
  entries: readonly FaqEntry[];
}

interface IndexedFaq {
  id: number;
  question: string;
  answer: string;
}

// Words that carry no meaning in a caller's question; matching on them would rank every FAQ.
const STOP_WORDS = new Set(
  (
    "a about am an and any are aren as at be been but by can could did didn do does doesn don " +
    "for from get got had has have how if in into is isn it its just me my of on or our out so " +
    "than that the their them then there these they this to us was we what when where which who " +
    "why will with won would you your yours ok okay hi hello yeah please thanks thank"
  ).split(" "),
);

// MiniSearch's own default: split on whitespace and punctuation ("call-out" → call, out).
const SPACE_OR_PUNCTUATION = /[\n\r\p{Z}\p{P}]+/u;

function tokenize(text: string): string[] {
  return text.split(SPACE_OR_PUNCTUATION);
}

/** Lower-cases, drops stop words, stray letters and a plural "s", for indexing and queries. */
function processTerm(term: string): string | null {
  const lower = term.toLowerCase();
  if (lower.length < 2 && !/\d/.test(lower)) return null;
  if (STOP_WORDS.has(lower)) return null;
  return lower.length > 3 && lower.endsWith("s") && !lower.endsWith("ss")
    ? lower.slice(0, -1)
    : lower;
}

function buildIndex(entries: readonly FaqEntry[]): FaqIndex {
  const search = new MiniSearch<IndexedFaq>({
    fields: ["question", "answer"],
    storeFields: [],
    tokenize,
    processTerm,
    searchOptions: {
      boost: { question: 2 },
      // Typos only on longer words: fuzzy short words match too much ("fee" ~ "free").
      fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
      prefix: (term) => term.length >= 4,
      combineWith: "OR",
    },
  });
  search.addAll(entries.map((entry, id) => ({ id, ...entry })));
  return { search, entries };
}

// Indexes are derived data, cheap to rebuild: a bounded memo, not shared state. The resolver
// hands out one tenant object per version, so identity hits almost always; the hash catches a
// re-parsed but unchanged FAQ.
const byIdentity = new WeakMap<readonly FaqEntry[], FaqIndex>();
const byTenant = new LRUCache<string, { hash: string; index: FaqIndex }>({ max: 1000 });

/** The tenant's FAQ index, built once per FAQ content. */
export function faqIndexFor(tenant: Pick<Tenant, "id" | "faq">): FaqIndex {
  const known = byIdentity.get(tenant.faq);
  if (known !== undefined) return known;
  const hash = hashFaq(tenant.faq);
  const cached = byTenant.get(tenant.id);
  const index =
    cached !== undefined && cached.hash === hash ? cached.index : buildIndex(tenant.faq);
  byTenant.set(tenant.id, { hash, index });
  byIdentity.set(tenant.faq, index);
  return index;
}

/**
 * Ranks the tenant's FAQ entries for a free-text question (BM25+ with prefix and typo
 * tolerance). Returns the best hits first; empty when nothing meaningful matches.
 */
export function searchFaq(
  tenant: Pick<Tenant, "id" | "faq">,
  query: string,
  options: FaqSearchOptions = {},
): FaqHit[] {
  if (tenant.faq.length === 0) return [];
  const queryTerms = new Set(
    tokenize(query)
      .map(processTerm)
      .filter((term): term is string => term !== null),
  );
  if (queryTerms.size === 0) return [];
  const index = faqIndexFor(tenant);
  const results = index.search.search([...queryTerms].join(" "));
  const top = results[0]?.score ?? 0;
  if (top <= 0) return [];
  const hits: FaqHit[] = [];
  for (const result of results) {
    const entry = index.entries[Number(result.id)];
    if (entry === undefined) continue;
    const coverage = new Set(result.queryTerms).size / queryTerms.size;
    const similarity = round2(Math.min(1, coverage) * (0.6 + 0.4 * (result.score / top)));
    if (similarity < (options.minSimilarity ?? 0.2)) continue;
    hits.push({
      uuid: `faq-${hashText(entry.question).slice(0, 12)}`,
      question: entry.question,
      answer: entry.answer,
      score: result.score,
      similarity,
    });
  }
  return hits
    .sort((a, b) => b.similarity - a.similarity || b.score - a.score)
    .slice(0, options.limit ?? 3);
}

function hashFaq(entries: readonly FaqEntry[]): string {
  return hashText(JSON.stringify(entries));
}

function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
