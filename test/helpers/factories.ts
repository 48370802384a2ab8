import { randomInt, randomUUID } from "node:crypto";
import type { Deps } from "../../src/deps.js";
import {
  TenantDocumentSchema,
  type Tenant,
  type TenantInput,
} from "../../src/tenants/tenant-document.js";

const NUMBERS_IN_RANGE = 100_000;
// Numbers are handed out in turn from a random start: random draws collided now and then (about
// 1 in 80 for 51 tenants in one import, which then failed as a conflict). Each test file runs
// in its own module scope, so numbers are unique within a file, where they share a database.
let nextNumber = randomInt(NUMBERS_IN_RANGE);

/** A unique Australian-looking E.164 number in the ACMA fictitious 0255 5xx range. */
export function uniqueNumber(): string {
  const number = nextNumber;
  nextNumber = (nextNumber + 1) % NUMBERS_IN_RANGE;
  return `+612555${String(number).padStart(5, "0")}`;
}

/** A valid tenant document with fresh ids and numbers; override any field. */
export function buildTenant(overrides: Partial<TenantInput> = {}): Tenant {
  const suffix = randomUUID().slice(0, 8);
  return TenantDocumentSchema.parse({
    id: `tenant-${suffix}`,
    name: `Test Plumbing ${suffix}`,
    timezone: "Australia/Sydney",
    phoneNumbers: [{ vapiPhoneNumberId: randomUUID(), number: uniqueNumber() }],
    hours: {
      mon: ["07:00-17:00"],
      tue: ["07:00-17:00"],
      wed: ["07:00-17:00"],
      thu: ["07:00-17:00"],
      fri: ["07:00-17:00"],
      sat: ["08:00-12:00"],
      sun: [],
    },
    services: ["Blocked drains", "Hot water repairs", "Gas fitting", "Leak detection"],
    closures: [{ date: "2026-12-25", reason: "Christmas Day" }],
    escalation: { number: "+61491570157", triggers: ["gas smell", "burst pipe", "flooding"] },
    transfer: { number: "+61255501299", message: "Putting you through now." },
    faq: [
      { question: "What is your call-out fee?", answer: "Our call-out fee is $99 including GST." },
      {
        question: "Which areas do you service?",
        answer: "We cover the Sydney CBD and the Inner West.",
      },
    ],
    assistant: {},
    ...overrides,
  });
}

/** Stores a tenant through the real repository and drops any cached copy. */
export async function createTenant(
  deps: Deps,
  overrides: Partial<TenantInput> = {},
): Promise<Tenant> {
  const tenant = buildTenant(overrides);
  await deps.tenants.upsertMany([tenant], new Date().toISOString());
  deps.resolver.invalidate(tenant.id);
  return tenant;
}
