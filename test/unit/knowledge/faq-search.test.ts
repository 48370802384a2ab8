import { describe, expect, it } from "vitest";
import { faqIndexFor, searchFaq } from "../../../src/knowledge/faq-search.js";

const FAQ = [
  { question: "What is your call-out fee?", answer: "Our call-out fee is $99 including GST." },
  {
    question: "Do you charge extra on weekends?",
    answer: "Weekend call-outs are $180 including GST, first 30 minutes of labour included.",
  },
  {
    question: "Which areas do you service?",
    answer: "We cover the Sydney CBD and the Inner West.",
  },
  {
    question: "Do you handle emergencies?",
    answer: "Yes, our on-call plumber answers 24/7 for emergencies.",
  },
  {
    question: "Do you install solar hot water?",
    answer: "No, we repair gas and electric hot water systems only.",
  },
];

let tenantCounter = 0;
const tenant = (faq = FAQ) => ({
  id: `faq-test-${(tenantCounter += 1)}`,
  faq: faq.map((entry) => ({ ...entry })),
});

describe("searchFaq", () => {
  it("ranks the entry sharing the most meaningful words first", () => {
    const hits = searchFaq(tenant(), "Do you charge a call-out fee on weekends?");
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]?.question).toBe("Do you charge extra on weekends?");
    expect(hits.map((hit) => hit.question)).toContain("What is your call-out fee?");
  });

  it("matches words in the answer as well as the question", () => {
    const [best] = searchFaq(tenant(), "Do you cover the inner west?");
    expect(best?.question).toBe("Which areas do you service?");
  });

  it("tolerates a typo and a word prefix", () => {
    expect(searchFaq(tenant(), "emergancies")[0]?.question).toBe("Do you handle emergencies?");
    expect(searchFaq(tenant(), "instal solar")[0]?.question).toBe(
      "Do you install solar hot water?",
    );
  });

  it("is not a substring search: fragments inside words and stop words match nothing", () => {
    expect(searchFaq(tenant(), "ee")).toEqual([]);
    expect(searchFaq(tenant(), "what do you have")).toEqual([]);
    expect(searchFaq(tenant(), "Is it going to rain tomorrow?")).toEqual([]);
  });

  it("scores similarity between 0 and 1, best first, within the limit", () => {
    const hits = searchFaq(tenant(), "hot water gas fee weekends emergency", { limit: 3 });
    expect(hits.length).toBeLessThanOrEqual(3);
    for (const hit of hits) {
      expect(hit.similarity).toBeGreaterThan(0);
      expect(hit.similarity).toBeLessThanOrEqual(1);
    }
    const similarities = hits.map((hit) => hit.similarity);
    expect([...similarities].sort((a, b) => b - a)).toEqual(similarities);
  });

  it("gives a full match a similarity of 1 and a stable uuid", () => {
    const [first] = searchFaq(tenant(), "call-out fee");
    const [again] = searchFaq(tenant(), "call-out fee");
    expect(first?.similarity).toBe(1);
    expect(first?.uuid).toMatch(/^faq-[0-9a-f]{12}$/);
    expect(again?.uuid).toBe(first?.uuid);
  });

  it("returns nothing for a tenant without an FAQ", () => {
    expect(searchFaq(tenant([]), "fee")).toEqual([]);
  });
});

describe("faqIndexFor", () => {
  it("builds one index per tenant FAQ and rebuilds only when the FAQ changes", () => {
    const first = tenant();
    const index = faqIndexFor(first);
    expect(faqIndexFor(first)).toBe(index);
    // Same content, new objects (the tenant document was parsed again): reused.
    expect(faqIndexFor({ id: first.id, faq: FAQ.map((entry) => ({ ...entry })) })).toBe(index);
    const changed = {
      id: first.id,
      faq: [...FAQ, { question: "Do you do roofing?", answer: "No." }],
    };
    expect(faqIndexFor(changed)).not.toBe(index);
    expect(searchFaq(changed, "roofing")[0]?.answer).toBe("No.");
  });
});
