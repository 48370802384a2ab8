import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assistantRequest } from "../../fixtures/vapi/builders.js";
import { createTenant } from "../../helpers/factories.js";
import { signHmac } from "../../helpers/sign.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores, type TestStore } from "../../helpers/test-database.js";
import {
  fuzzCaseArbitrary,
  POLLUTION_MARKER,
  renderFuzzCase,
  type FuzzTarget,
} from "./fuzz-cases.js";
import { answerableToolCallIds, checkWebhookAnswer } from "./webhook-contract.js";

/*
 * Property-based fuzzing of POST /vapi/webhook against the real server (fast-check). Each run
 * sends one generated webhook (fuzz-cases.ts), correctly signed unless the case says otherwise,
 * and checks the documented contract (webhook-contract.ts): no 5xx, JSON of a documented shape,
 * one single-line result per tool call. After every run Object.prototype must be untouched;
 * after all runs the server must still answer and must have logged no error (an error line
 * means a handler or tool threw on input it should have turned into an answer).
 *
 * Short on purpose for CI (FUZZ_RUNS overrides the count, FUZZ_SEED replays a failure); the
 * long version is `npx tsx bench/fuzz-long.ts`.
 */

const HMAC_KEY = "fuzz-hmac-key-5d0c2e7a91";
// Big enough for the huge-string/array mutations to land on both sides of the limit.
const BODY_LIMIT_BYTES = 1024 * 1024;
const RUNS: Record<TestStore, number> = { sqlite: 700, postgres: 300 };
const stores = await availableStores();

const runsFor = (store: TestStore) => Number(process.env.FUZZ_RUNS ?? RUNS[store]);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype];
const ownNames = () => PROTOTYPES.map((proto) => Object.getOwnPropertyNames(proto).sort().join());

describe.each(stores)("webhook fuzzing (%s)", (store) => {
  let server: TestServer;
  let target: FuzzTarget;
  const prototypeNamesBefore = ownNames();
  const tally = { runs: 0, ok: 0, toolResults: 0, byStatus: new Map<number, number>() };

  beforeAll(async () => {
    server = await startTestServer({
      store,
      env: {
        LOG_LEVEL: "info",
        VAPI_HMAC_SECRET: HMAC_KEY,
        BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
      },
    });
    const tenant = await createTenant(server.deps);
    const phone = tenant.phoneNumbers[0];
    if (phone?.vapiPhoneNumberId === undefined) throw new Error("tenant without a phone id");
    target = {
      tenantId: tenant.id,
      vapiPhoneNumberId: phone.vapiPhoneNumberId,
      number: phone.number,
      hmacSecret: HMAC_KEY,
      day: new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10),
    };
  });
  afterAll(async () => {
    await server.close();
  });

  it(
    "answers every generated webhook within the documented contract",
    { timeout: 120_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(fuzzCaseArbitrary(), async (fuzzCase) => {
          const request = renderFuzzCase(fuzzCase, target, Date.now());
          const response = await fetch(`${server.url}/vapi/webhook`, {
            method: "POST",
            headers: request.headers,
            body: request.body,
          });
          const answer = {
            status: response.status,
            contentType: response.headers.get("content-type"),
            requestId: response.headers.get("x-request-id"),
            text: await response.text(),
          };
          expect(checkWebhookAnswer(request, answer, { bodyLimitBytes: BODY_LIMIT_BYTES })).toEqual(
            [],
          );
          expect(ownNames()).toEqual(prototypeNamesBefore);
          expect(({} as Record<string, unknown>)[POLLUTION_MARKER]).toBeUndefined();
          expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
          expect(({} as Record<string, unknown>).tenantId).toBeUndefined();

          tally.runs += 1;
          tally.byStatus.set(answer.status, (tally.byStatus.get(answer.status) ?? 0) + 1);
          if (answer.status === 200) {
            tally.ok += 1;
            const results = (JSON.parse(answer.text) as { results?: unknown[] }).results;
            tally.toolResults += results?.length ?? 0;
          }
        }),
        { numRuns: runsFor(store), ...(seed === undefined ? {} : { seed }) },
      );
    },
  );

  it("reached the handlers, not just the front door (the fuzzer is not vacuous)", () => {
    expect(tally.runs).toBe(runsFor(store));
    expect(tally.ok / tally.runs).toBeGreaterThan(0.3);
    expect(tally.toolResults).toBeGreaterThan(0);
    for (const status of [400, 401]) expect(tally.byStatus.get(status) ?? 0).toBeGreaterThan(0);
  });

  it("is still up and answering afterwards", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const body = JSON.stringify(
      assistantRequest({ vapiPhoneNumberId: target.vapiPhoneNumberId, number: target.number }),
    );
    const response = await server.postWebhook(body, signHmac(body, { secret: HMAC_KEY }));
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { assistant?: { metadata?: { tenantId?: string } } };
    expect(answer.assistant?.metadata?.tenantId).toBe(target.tenantId);
  });

  it("logged no error: nothing threw on the way to an answer", () => {
    const errors = server.logs.filter((line) => (line.level as number) >= 50);
    expect(
      errors.map((line) => `${String(line.msg)}: ${JSON.stringify(line.err ?? {}).slice(0, 300)}`),
    ).toEqual([]);
  });
});

describe("the answerable-call oracle", () => {
  it("follows the documented list precedence and drops empty and repeated ids", () => {
    expect(
      answerableToolCallIds({
        toolCallList: [{ id: "a" }, { id: "" }, { id: "a" }, { id: "b" }, null, { id: 3 }],
        toolCalls: [{ id: "z" }],
      }),
    ).toEqual(["a", "b"]);
    expect(
      answerableToolCallIds({
        toolCallList: [],
        toolWithToolCallList: [{ toolCall: { id: "c" } }, {}],
      }),
    ).toEqual(["c"]);
    expect(answerableToolCallIds({ toolCalls: [{ id: "d" }] })).toEqual(["d"]);
  });
});
