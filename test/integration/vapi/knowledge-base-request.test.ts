import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Vapi } from "@vapi-ai/server-sdk";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import { callTo, knowledgeBaseRequest, type Turn } from "../../fixtures/vapi/conversation.js";
import { createTenant } from "../../helpers/factories.js";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";

const stores = await availableStores();

const FAQ = [
  { question: "What is your call-out fee?", answer: "Our call-out fee is $99 including GST." },
  {
    question: "Do you charge more on weekends?",
    answer: "Weekend call-out fee is $180 incl. GST, first 30 minutes of labour included.",
  },
  {
    question: "Which areas do you service?",
    answer: "We cover the Sydney CBD and the Inner West.",
  },
  { question: "Are you licensed?", answer: "Yes, licence number 123456C, fully insured." },
];

const opening: Turn[] = [
  { role: "system", text: "You are the receptionist. Areas, fees and licences are in the FAQ." },
  { role: "assistant", text: "Thanks for calling, how can I help?" },
  { role: "user", text: "Hi, are you licensed?" },
  { role: "assistant", text: "We are. Anything else?" },
];

describe.each(stores)("knowledge-base-request (%s)", (store) => {
  let server: TestServer;
  let tenant: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    server = await startTestServer({ store });
    tenant = await createTenant(server.deps, { faq: FAQ });
    other = await createTenant(server.deps, {
      faq: [
        { question: "Do you charge a weekend fee?", answer: "OTHER TENANT: weekends are free." },
      ],
    });
  });
  afterAll(async () => {
    await server.close();
  });

  async function post(body: unknown): Promise<Vapi.ServerMessageResponseKnowledgeBaseRequest> {
    const response = await server.postWebhook(body);
    expect(response.status).toBe(200);
    return (await response.json()) as Vapi.ServerMessageResponseKnowledgeBaseRequest;
  }

  it("answers the caller's latest turn with the tenant's best FAQ answers", async () => {
    const body = await post(
      knowledgeBaseRequest(callTo(tenant), [
        ...opening,
        { role: "user", text: "Do you charge a call-out fee on weekends?" },
      ]),
    );
    const documents = body.documents ?? [];
    expect(documents.length).toBeGreaterThan(0);
    expect(documents.length).toBeLessThanOrEqual(3);
    expect(documents[0]?.content).toBe(
      "Weekend call-out fee is $180 incl. GST, first 30 minutes of labour included.",
    );
    expect(documents.map((document) => document.content)).not.toContain(
      "Yes, licence number 123456C, fully insured.",
    );
    for (const document of documents) {
      expect(document.similarity).toBeGreaterThan(0);
      expect(document.similarity).toBeLessThanOrEqual(1);
      expect(document.uuid).toMatch(/^faq-[0-9a-f]{12}$/);
    }
    expect(body.message).toBeUndefined();
  });

  it("falls back to the history format when messagesOpenAIFormatted is missing", async () => {
    const body = await post(
      knowledgeBaseRequest(
        callTo(tenant),
        [...opening, { role: "user", text: "Which suburbs do you cover?" }],
        { openAi: false },
      ),
    );
    expect(body.documents?.[0]?.content).toBe("We cover the Sydney CBD and the Inner West.");
  });

  it("answers an empty list when nothing in the FAQ is relevant", async () => {
    const body = await post(
      knowledgeBaseRequest(callTo(tenant), [
        ...opening,
        { role: "user", text: "What's the weather doing tomorrow?" },
      ]),
    );
    expect(body).toEqual({ documents: [] });
  });

  it("answers an empty list when there is no user turn", async () => {
    const body = await post(knowledgeBaseRequest(callTo(tenant), opening.slice(0, 2)));
    expect(body).toEqual({ documents: [] });
  });

  it("answers an empty list for a number no tenant owns", async () => {
    const body = await post(
      knowledgeBaseRequest({ vapiPhoneNumberId: "nobody", number: "+61299990001" }, [
        { role: "user", text: "call-out fee?" },
      ]),
    );
    expect(body).toEqual({ documents: [] });
  });

  it("never answers from another tenant's FAQ", async () => {
    const body = await post(
      knowledgeBaseRequest(callTo(tenant), [{ role: "user", text: "weekend fee" }]),
    );
    expect(body.documents?.map((document) => document.content).join(" ")).not.toContain(
      "OTHER TENANT",
    );
    const theirs = await post(
      knowledgeBaseRequest(callTo(other), [{ role: "user", text: "weekend fee" }]),
    );
    expect(theirs.documents?.[0]?.content).toBe("OTHER TENANT: weekends are free.");
  });
});
