import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Vapi } from "@vapi-ai/server-sdk";
import { fixedClock } from "../../../src/clock.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { toolCalls, type CallParties, type ToolCallSpec } from "../../fixtures/vapi/builders.js";
import {
  callTo,
  flatToolCallList,
  newToolCallId,
  toolCallListOnly,
  toolCallsOnly,
  toolWithToolCallListOnly,
} from "../../fixtures/vapi/conversation.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";

// Wednesday 25 November 2026, 10:30 in Sydney (AEDT, UTC+11).
const NOW = Date.parse("2026-11-24T23:30:00Z");
const CALLER = "+61491570156";
const stores = await availableStores();

type Result = Vapi.ToolCallResult;

async function postTools(server: TestServer, body: unknown): Promise<Result[]> {
  const response = await server.postWebhook(body);
  expect(response.status).toBe(200);
  const json = (await response.json()) as Vapi.ServerMessageResponseToolCalls;
  return json.results ?? [];
}

/** Runs one tool call through the front door and returns its single result. */
async function runTool(
  server: TestServer,
  parties: CallParties,
  call: ToolCallSpec,
): Promise<Result> {
  const results = await postTools(server, toolCalls(parties, [call]));
  expect(results).toHaveLength(1);
  const [result] = results;
  if (result === undefined) throw new Error("no result");
  return result;
}

function expectOk(result: Result): string {
  expect(result.error, `unexpected error: ${result.error ?? ""}`).toBeUndefined();
  expect(result.result).toEqual(expect.any(String));
  return result.result ?? "";
}

function expectError(result: Result): string {
  expect(result.result).toBeUndefined();
  expect(result.error).toEqual(expect.any(String));
  expect(result.error?.trim()).not.toBe("");
  return result.error ?? "";
}

describe.each(stores)("tool-calls (%s)", (store) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ store, clock: fixedClock(NOW) });
  });
  afterAll(async () => {
    await server.close();
  });

  const leadsOf = (tenantId: string) =>
    server.deps.db.selectFrom("leads").selectAll().where("tenant_id", "=", tenantId).execute();
  const messagesOf = (tenantId: string) =>
    server.deps.db.selectFrom("messages").selectAll().where("tenant_id", "=", tenantId).execute();
  const bookingsOf = (tenantId: string) =>
    server.deps.db
      .selectFrom("bookings")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("slot_start")
      .execute();
  const invocationsOf = (tenantId: string, toolCallId: string) =>
    server.deps.db
      .selectFrom("tool_invocations")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("tool_call_id", "=", toolCallId)
      .execute();

  describe("create_lead", () => {
    let tenant: Tenant;
    beforeAll(async () => {
      tenant = await createTenant(server.deps);
    });

    it("saves a lead under the dialed tenant with the caller's number as the callback", async () => {
      const parties = { ...callTo(tenant), callerNumber: CALLER };
      const text = expectOk(
        await runTool(server, parties, {
          name: "create_lead",
          args: {
            name: "Daniel Nguyen",
            service: "blocked drain",
            urgency: "today",
            suburb: "Marrickville",
            notes: "Kitchen sink backing up",
          },
        }),
      );
      expect(text).toMatch(
        /^Lead saved for Daniel Nguyen \(Blocked drains, today\), reference [0-9A-Z]{6}\./,
      );
      expect(text).toContain("ending 0 1 5 6");
      const rows = (await leadsOf(tenant.id)).filter((row) => row.call_id === parties.callId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        name: "Daniel Nguyen",
        service: "Blocked drains",
        urgency: "today",
        suburb: "Marrickville",
        callback_number: CALLER,
        caller_number: CALLER,
        notes: "Kitchen sink backing up",
      });
    });

    it("updates the call's lead on a second create_lead instead of adding one", async () => {
      const parties = callTo(tenant);
      expectOk(
        await runTool(server, parties, {
          name: "create_lead",
          args: { name: "Ana Silva", urgency: "this-week", suburb: "Newtown" },
        }),
      );
      const text = expectOk(
        await runTool(server, parties, {
          name: "create_lead",
          args: { name: "Ana Silva", service: "Leak detection", callbackNumber: "0412 345 678" },
        }),
      );
      expect(text).toMatch(/^Lead updated for Ana Silva/);
      const rows = (await leadsOf(tenant.id)).filter((row) => row.call_id === parties.callId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        service: "Leak detection",
        urgency: "this_week",
        suburb: "Newtown",
        callback_number: "0412345678",
      });
    });

    it("corrects a service the tenant does not offer, listing the ones it does", async () => {
      const parties = callTo(tenant);
      const error = expectError(
        await runTool(server, parties, {
          name: "create_lead",
          args: { name: "Bo", service: "Roofing" },
        }),
      );
      expect(error).toContain('We don\'t offer "Roofing"');
      for (const service of tenant.services) expect(error).toContain(service);
      expect(
        (await leadsOf(tenant.id)).filter((row) => row.call_id === parties.callId),
      ).toHaveLength(0);
    });

    it("rejects invalid arguments with a sentence naming the field", async () => {
      const error = expectError(
        await runTool(server, callTo(tenant), {
          name: "create_lead",
          args: { urgency: "whenever" },
        }),
      );
      expect(error).toMatch(/^Some details were missing or invalid: .*name/);
      expect(error).toContain("urgency");
    });
  });

  describe("check_availability", () => {
    let tenant: Tenant;
    beforeAll(async () => {
      tenant = await createTenant(server.deps);
    });

    it("lists today's remaining free times, never ones already past", async () => {
      const text = expectOk(
        await runTool(server, callTo(tenant), {
          name: "check_availability",
          args: { date: "2026-11-25" },
        }),
      );
      expect(text).toBe(
        "Free one-hour appointments (Australia/Sydney time): Wednesday 25 November (2026-11-25): 11:00 am, 12:00 pm, 1:00 pm, 2:00 pm, 3:00 pm and 4:00 pm.",
      );
    });

    it("defaults to today and covers a range of days", async () => {
      expect(
        expectOk(await runTool(server, callTo(tenant), { name: "check_availability", args: {} })),
      ).toContain("Wednesday 25 November (2026-11-25): 11:00 am");
      const text = expectOk(
        await runTool(server, callTo(tenant), {
          name: "check_availability",
          args: { date: "2026-11-27", endDate: "2026-11-30" },
        }),
      );
      expect(text).toContain("Friday 27 November (2026-11-27): 7:00 am");
      expect(text).toContain(
        "Saturday 28 November (2026-11-28): 8:00 am, 9:00 am, 10:00 am and 11:00 am",
      );
      expect(text).not.toContain("Sunday");
      expect(text).toContain("Monday 30 November (2026-11-30)");
    });

    it("says when a day has nothing and offers the next free time", async () => {
      const text = expectOk(
        await runTool(server, callTo(tenant), {
          name: "check_availability",
          args: { date: "2026-11-29" },
        }),
      );
      expect(text).toBe(
        "There are no free appointments on Sunday 29 November. The next free time is Monday 30 November at 7:00 am (2026-11-30 07:00).",
      );
    });

    it("refuses past dates and ranges longer than two weeks with a speakable reason", async () => {
      expect(
        expectError(
          await runTool(server, callTo(tenant), {
            name: "check_availability",
            args: { date: "2026-11-20" },
          }),
        ),
      ).toBe("That date has already passed; today is Wednesday 25 November.");
      expect(
        expectError(
          await runTool(server, callTo(tenant), {
            name: "check_availability",
            args: { date: "2026-11-26", endDate: "2026-12-10" },
          }),
        ),
      ).toContain("up to 14 days");
      expect(
        expectError(
          await runTool(server, callTo(tenant), {
            name: "check_availability",
            args: { date: "next tuesday" },
          }),
        ),
      ).toContain("date");
    });
  });

  describe("book_appointment", () => {
    let tenant: Tenant;
    beforeAll(async () => {
      tenant = await createTenant(server.deps);
    });

    it("books a free slot given in local time and stores it in UTC", async () => {
      const parties = { ...callTo(tenant), callerNumber: CALLER };
      const text = expectOk(
        await runTool(server, parties, {
          name: "book_appointment",
          args: { start: "2026-11-26 09:00", name: "Daniel Nguyen", service: "hot water repair" },
        }),
      );
      expect(text).toMatch(
        /^Booked for Daniel Nguyen \(Hot water repairs\) on Thursday 26 November at 9:00 am, a one-hour appointment\. Booking reference [0-9A-Z]{6}\.$/,
      );
      const rows = await bookingsOf(tenant.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        slot_start: "2026-11-25T22:00:00.000Z",
        slot_end: "2026-11-25T23:00:00.000Z",
        name: "Daniel Nguyen",
        phone: CALLER,
        service: "Hot water repairs",
        call_id: parties.callId,
        status: "confirmed",
      });
    });

    it("accepts an ISO start with an offset, and the slot then disappears from availability", async () => {
      expectOk(
        await runTool(server, callTo(tenant), {
          name: "book_appointment",
          args: { start: "2026-11-26T10:00:00+11:00", name: "Mia" },
        }),
      );
      const text = expectOk(
        await runTool(server, callTo(tenant), {
          name: "check_availability",
          args: { date: "2026-11-26" },
        }),
      );
      expect(text).toContain("7:00 am, 8:00 am, 11:00 am");
    });

    it("refuses a taken slot and offers the next free ones", async () => {
      const error = expectError(
        await runTool(server, callTo(tenant), {
          name: "book_appointment",
          args: { start: "2026-11-26 09:00", name: "Someone Else" },
        }),
      );
      expect(error).toBe(
        "Thursday 26 November at 9:00 am is already booked. The next free times are Thursday 26 November at 11:00 am (2026-11-26 11:00), Thursday 26 November at 12:00 pm (2026-11-26 12:00) or Thursday 26 November at 1:00 pm (2026-11-26 13:00).",
      );
      expect(await bookingsOf(tenant.id)).toHaveLength(2);
    });

    it("refuses times that are not slots, are closed, have passed, or cannot be read", async () => {
      const book = async (start: string) =>
        expectError(
          await runTool(server, callTo(tenant), {
            name: "book_appointment",
            args: { start, name: "X" },
          }),
        );
      expect(await book("2026-11-26 09:30")).toContain(
        "is not an appointment time. Free times that day:",
      );
      expect(await book("2026-12-25 09:00")).toContain(
        "not an appointment time and that day has none free",
      );
      expect(await book("2026-11-25 08:00")).toContain("is too soon or has passed");
      expect(await book("soon-ish please")).toContain("could not read that time");
      expect(await bookingsOf(tenant.id)).toHaveLength(2);
    });

    it("lets exactly one of twenty concurrent bookings of one slot win", async () => {
      const raceTenant = await createTenant(server.deps);
      const attempts = Array.from({ length: 20 }, (_, index) =>
        runTool(server, callTo(raceTenant), {
          name: "book_appointment",
          args: { start: "2026-11-27 14:00", name: `Caller ${index}` },
        }),
      );
      const results = await Promise.all(attempts);
      const wins = results.filter((result) => result.result !== undefined);
      const losses = results.filter((result) => result.error !== undefined);
      expect(wins).toHaveLength(1);
      expect(losses).toHaveLength(19);
      for (const loss of losses) {
        expect(loss.error).toMatch(
          /^(Sorry, )?Friday 27 November at 2:00 pm (was just taken|is already booked)\. The next free times are Friday 27 November at 3:00 pm/,
        );
      }
      const rows = await bookingsOf(raceTenant.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.slot_start).toBe("2026-11-27T03:00:00.000Z");
      expect(wins[0]?.result).toContain(
        `Booked for ${rows[0]?.name ?? ""} on Friday 27 November at 2:00 pm`,
      );
    });
  });

  describe("take_message and answer_question", () => {
    let tenant: Tenant;
    beforeAll(async () => {
      tenant = await createTenant(server.deps);
    });

    it("stores a message with the callback number given", async () => {
      const parties = callTo(tenant);
      const text = expectOk(
        await runTool(server, parties, {
          name: "take_message",
          args: {
            message: "Please call about the quote.",
            name: "Lee",
            callbackNumber: "+61 2 5550 1111",
          },
        }),
      );
      expect(text).toBe("Message saved; the team will call Lee back on the number ending 1 1 1 1.");
      const rows = (await messagesOf(tenant.id)).filter((row) => row.call_id === parties.callId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        message: "Please call about the quote.",
        callback_number: "+61255501111",
      });
    });

    it("answers from the tenant's FAQ, and says so when the FAQ has nothing", async () => {
      expect(
        expectOk(
          await runTool(server, callTo(tenant), {
            name: "answer_question",
            args: { question: "how much is the callout fee?" },
          }),
        ),
      ).toContain("Our call-out fee is $99 including GST.");
      expect(
        expectOk(
          await runTool(server, callTo(tenant), {
            name: "answer_question",
            args: { question: "Do you sell lawnmowers?" },
          }),
        ),
      ).toContain("no answer on file");
    });
  });

  describe("message shapes", () => {
    let tenant: Tenant;
    beforeAll(async () => {
      tenant = await createTenant(server.deps);
    });

    const variants = [
      ["toolCallList + toolWithToolCallList", toolCalls],
      ["toolCallList only", toolCallListOnly],
      ["toolWithToolCallList only", toolWithToolCallListOnly],
      ["toolCalls only", toolCallsOnly],
      ["flat {id, name, arguments} items", flatToolCallList],
    ] as const;

    it.each(variants)("answers %s, with object and string arguments", async (_label, build) => {
      const objectCall = {
        id: newToolCallId(),
        name: "answer_question",
        args: { question: "call-out fee" },
      };
      const stringCall = {
        id: newToolCallId(),
        name: "check_availability",
        args: JSON.stringify({ date: "2026-11-26" }),
      };
      const results = await postTools(server, build(callTo(tenant), [objectCall, stringCall]));
      expect(results.map((result) => [result.toolCallId, result.name])).toEqual([
        [objectCall.id, "answer_question"],
        [stringCall.id, "check_availability"],
      ]);
      expect(expectOk(results[0] as Result)).toContain("$99");
      expect(expectOk(results[1] as Result)).toContain("Thursday 26 November (2026-11-26)");
    });

    it("answers every call once, in order, on one line, with a non-empty error for each failure", async () => {
      const calls: ToolCallSpec[] = [
        {
          id: newToolCallId(),
          name: "answer_question",
          args: { question: "Which areas do you service?" },
        },
        { id: newToolCallId(), name: "launch_rocket", args: {} },
        { id: newToolCallId(), name: "create_lead", args: "{not json" },
        {
          id: newToolCallId(),
          name: "take_message",
          args: { message: "Line one.\nLine two.", name: "Kim" },
        },
        { id: newToolCallId(), name: "check_availability", args: { date: "2026-02-30" } },
        { id: newToolCallId(), name: "create_lead", args: "[1,2]" },
      ];
      const response = await server.postWebhook(toolCalls(callTo(tenant), calls));
      expect(response.status).toBe(200);
      const { results = [] } = (await response.json()) as Vapi.ServerMessageResponseToolCalls;
      expect(results.map((result) => result.toolCallId)).toEqual(calls.map((call) => call.id));
      expect(results.map((result) => result.name)).toEqual(calls.map((call) => call.name));
      for (const result of results) {
        const text = result.result ?? result.error ?? "";
        expect(Number(result.result !== undefined) + Number(result.error !== undefined)).toBe(1);
        expect(text.trim()).not.toBe("");
        expect(text).not.toMatch(/[\r\n]/);
      }
      expect(expectError(results[1] as Result)).toBe(
        'The tool "launch_rocket" is not available here.',
      );
      expect(expectError(results[2] as Result)).toContain("not valid JSON");
      expect(expectError(results[4] as Result)).toContain("date");
      expect(expectError(results[5] as Result)).toContain("JSON object");
      const messages = await messagesOf(tenant.id);
      expect(messages.find((row) => row.name === "Kim")?.message).toBe("Line one.\nLine two.");
    });

    it("answers each entry with a speakable error when no tenant owns the number", async () => {
      const results = await postTools(
        server,
        toolCalls({ vapiPhoneNumberId: "unknown-id", number: "+61299990000" }, [
          { name: "create_lead", args: { name: "A" } },
          { name: "check_availability", args: {} },
        ]),
      );
      expect(results).toHaveLength(2);
      for (const result of results)
        expect(expectError(result)).toContain("can't reach this business's records");
    });
  });

  describe("idempotency", () => {
    let tenant: Tenant;
    beforeAll(async () => {
      tenant = await createTenant(server.deps);
    });

    it("answers a retried tool call id with the first result and writes nothing more", async () => {
      const parties = callTo(tenant);
      const call = {
        id: newToolCallId(),
        name: "take_message",
        args: { message: "Retry me", name: "Ola" },
      };
      const first = await runTool(server, parties, call);
      const second = await runTool(server, parties, call);
      expect(second).toEqual(first);
      expect(
        (await messagesOf(tenant.id)).filter((row) => row.message === "Retry me"),
      ).toHaveLength(1);
      const invocations = await invocationsOf(tenant.id, call.id);
      expect(invocations).toHaveLength(1);
      expect(invocations[0]).toMatchObject({
        tool_name: "take_message",
        outcome: "ok",
        result: first.result,
      });
    });

    it("replays a booking's success instead of calling its own slot taken", async () => {
      const call = {
        id: newToolCallId(),
        name: "book_appointment",
        args: { start: "2026-11-30 08:00", name: "Retry" },
      };
      const parties = callTo(tenant);
      const first = await runTool(server, parties, call);
      expectOk(first);
      expect(await runTool(server, parties, call)).toEqual(first);
      expect(await bookingsOf(tenant.id)).toHaveLength(1);
    });

    it("runs concurrent duplicates of one tool call id once", async () => {
      const parties = callTo(tenant);
      const call = {
        id: newToolCallId(),
        name: "take_message",
        args: { message: "Concurrent", name: "Dup" },
      };
      const results = await Promise.all(
        Array.from({ length: 8 }, () => runTool(server, parties, call)),
      );
      for (const result of results) expect(result).toEqual(results[0]);
      expect(
        (await messagesOf(tenant.id)).filter((row) => row.message === "Concurrent"),
      ).toHaveLength(1);
    });

    it("replays a retry that came without a call id, like one with", async () => {
      const call = {
        id: newToolCallId(),
        name: "take_message",
        args: { message: "No call id", name: "Anon" },
      };
      const post = async () => {
        const body = toolCalls(callTo(tenant), [call]);
        delete (body.message.call as { id?: unknown }).id;
        const results = await postTools(server, body);
        expect(results).toHaveLength(1);
        const [result] = results;
        if (result === undefined) throw new Error("no result");
        return result;
      };
      const first = await post();
      expectOk(first);
      expect(await post()).toEqual(first);
      expect(
        (await messagesOf(tenant.id)).filter((row) => row.message === "No call id"),
      ).toHaveLength(1);
      expect((await invocationsOf(tenant.id, call.id)).map((row) => row.call_id)).toEqual([""]);
    });

    it("runs a tool call id again in another call: a retry comes in the same call", async () => {
      const call = {
        id: newToolCallId(),
        name: "take_message",
        args: { message: "Two calls", name: "Reused" },
      };
      expectOk(await runTool(server, callTo(tenant), call));
      expectOk(await runTool(server, callTo(tenant), call));
      expect(
        (await messagesOf(tenant.id)).filter((row) => row.message === "Two calls"),
      ).toHaveLength(2);
      expect(await invocationsOf(tenant.id, call.id)).toHaveLength(2);
    });

    it("replays a stored error too, without running the tool again", async () => {
      const parties = callTo(tenant);
      const call = {
        id: newToolCallId(),
        name: "create_lead",
        args: { name: "Err", service: "Roofing" },
      };
      const first = await runTool(server, parties, call);
      expectError(first);
      expect(await runTool(server, parties, call)).toEqual(first);
      expect((await invocationsOf(tenant.id, call.id))[0]?.outcome).toBe("error");
    });
  });

  describe("tenant isolation", () => {
    let tenant: Tenant;
    let other: Tenant;
    beforeAll(async () => {
      tenant = await createTenant(server.deps);
      other = await createTenant(server.deps);
    });

    it("ignores a tenantId argument: the dialed number decides, the other tenant is untouched", async () => {
      const parties = callTo(tenant);
      const results = await postTools(
        server,
        toolCalls(
          parties,
          [
            { name: "create_lead", args: { tenantId: other.id, name: "Mallory" } },
            { name: "take_message", args: { tenant_id: other.id, message: "hi", name: "Mallory" } },
            {
              name: "book_appointment",
              args: { tenant: other.id, start: "2026-11-26 09:00", name: "Mallory" },
            },
          ],
          other.id,
        ),
      );
      for (const result of results) expectOk(result);
      expect(await leadsOf(other.id)).toHaveLength(0);
      expect(await messagesOf(other.id)).toHaveLength(0);
      expect(await bookingsOf(other.id)).toHaveLength(0);
      expect((await leadsOf(tenant.id)).map((row) => row.name)).toEqual(["Mallory"]);
      expect((await bookingsOf(tenant.id)).map((row) => row.slot_start)).toEqual([
        "2026-11-25T22:00:00.000Z",
      ]);
      // The other tenant's calendar still offers that time.
      const text = expectOk(
        await runTool(server, callTo(other), {
          name: "check_availability",
          args: { date: "2026-11-26" },
        }),
      );
      expect(text).toContain("8:00 am, 9:00 am, 10:00 am");
    });

    it("keeps tool call ids per tenant: the same id at another tenant is a new call", async () => {
      const id = newToolCallId();
      const mine = await runTool(server, callTo(tenant), {
        id,
        name: "take_message",
        args: { message: "A", name: "A" },
      });
      const theirs = await runTool(server, callTo(other), {
        id,
        name: "take_message",
        args: { message: "B", name: "B" },
      });
      expectOk(mine);
      expectOk(theirs);
      expect((await messagesOf(other.id)).map((row) => row.message)).toEqual(["B"]);
    });
  });
});
