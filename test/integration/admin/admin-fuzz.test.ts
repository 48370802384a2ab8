import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";
import { slotsOf, write as writeSlot, type Json, type Slot } from "../security/fuzz-cases.js";
import { ADMIN_TOKEN, adminClient, type AdminCall } from "./admin-client.js";

/*
 * Property-based fuzzing of the admin API's writes: the example tenant document with one to
 * three of its values (anywhere in the tree, the root included) replaced by values of the wrong
 * type, edge-case strings and numbers, or removed, sent as a create, a replace, a merge patch or
 * a phone-number attachment, sometimes cut short. Whatever arrives, the answer is a 2xx, 404 or
 * 409, or a 400 in the standard error shape: never a 5xx. (Run once with 5,000 cases per store
 * while writing it: 0 5xx.)
 */

const EXAMPLE = parse(
  readFileSync(
    new URL("../../../examples/tenants/harbourside-plumbing.yaml", import.meta.url),
    "utf8",
  ),
) as Record<string, unknown>;
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/**
 * The value at `slot` replaced, or for `undefined` removed (as JSON would drop it). A copy is
 * written: fast-check hands the same constant objects to every run, and a later replacement
 * inside one would change them (and could make them cyclic).
 */
function replaceAt(slot: Slot, value: Json | undefined): void {
  if (value !== undefined) writeSlot(slot, structuredClone(value));
  else if (Array.isArray(slot.parent)) writeSlot(slot, null);
  else Reflect.deleteProperty(slot.parent, slot.key);
}

const oddValue: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2),
  fc.string(),
  fc.string({ minLength: 2_000, maxLength: 5_000 }),
  fc.constantFrom("", "\u0000", "__proto__", "constructor", "\uD800"),
  fc.constantFrom(
    "+61255501234",
    "+61 2 5550 1299",
    "0255501234",
    "Mars/Olympus",
    "Australia/Sydney",
  ),
  fc.constantFrom("2026-02-30", "2026-12-31", "25:99", "07:00", "Mon", "monday"),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true}}') as Json),
  fc.constant<Json>([[[[[]]]]]),
);

const fuzzCase = fc.record({
  replacements: fc.array(fc.tuple(fc.nat(), oddValue), {
    minLength: 1,
    maxLength: 3,
  }),
  write: fc.constantFrom("create", "replace", "patch", "attach-number"),
  truncated: fc.boolean(),
});

const stores = await availableStores();

describe.each(stores)("admin API fuzzing (%s)", (store) => {
  let server: TestServer;
  let call: AdminCall;

  beforeAll(async () => {
    server = await startTestServer({ store, env: { ADMIN_TOKEN } });
    call = adminClient(server);
    expect((await call("PUT", `/tenants/${String(EXAMPLE.id)}`, { body: EXAMPLE })).status).toBe(
      201,
    );
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers every mangled write with a 2xx, 404, 409 or a 400 in the error shape, never a 5xx", async () => {
    const statuses = new Map<number, number>();
    let sequence = 0;
    await fc.assert(
      fc.asyncProperty(fuzzCase, async ({ replacements, write, truncated }) => {
        sequence += 1;
        const id = `fuzz-${sequence}`;
        const document = { value: structuredClone({ ...EXAMPLE, id, phoneNumbers: [] }) as Json };
        for (const [at, value] of replacements) {
          // Slots are listed again after each replacement: a value may have brought new ones.
          const slots = slotsOf(document);
          const slot = slots[at % slots.length];
          if (slot !== undefined) replaceAt(slot, value);
        }
        let text = JSON.stringify(document.value) ?? "";
        if (truncated) text = text.slice(0, Math.ceil(text.length * 0.7));

        let response;
        if (write === "attach-number") {
          const [, value] = replacements[0] ?? [0, null];
          const body =
            value !== null && typeof value === "object"
              ? value
              : { number: value, vapiPhoneNumberId: replacements.at(-1)?.[1] };
          response = await call("POST", `/tenants/${String(EXAMPLE.id)}/phone-numbers`, {
            body: JSON.stringify(body) ?? "",
          });
        } else if (write === "patch") {
          await call("PUT", `/tenants/${id}`, { body: { ...EXAMPLE, id, phoneNumbers: [] } });
          response = await call("PATCH", `/tenants/${id}`, {
            body: text,
            headers: { "content-type": "application/merge-patch+json" },
          });
        } else {
          response = await call(
            write === "create" ? "POST" : "PUT",
            `/tenants${write === "create" ? "" : `/${id}`}`,
            {
              body: text,
            },
          );
        }
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        await call("DELETE", `/tenants/${id}`);

        expect(response.status).toBeLessThan(500);
        expect([200, 201, 204, 400, 404, 409]).toContain(response.status);
        if (response.status === 400) {
          expect(response.body).toMatchObject({
            error: { code: expect.any(String) as string, message: expect.any(String) as string },
          });
        }
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: some writes got through validation, most were refused.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0)).toBeGreaterThan(0);
  }, 120_000);
});
