import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  isSubscribed,
  isWebhookSecret,
  NotifySchema,
} from "../../../src/notifications/notify-settings.js";
import { TenantDocumentSchema, toFieldIssues } from "../../../src/tenants/tenant-document.js";

const secret = (bytes: number) => `whsec_${randomBytes(bytes).toString("base64")}`;

const minimal = {
  id: "harbourside-plumbing",
  name: "Harbourside Plumbing",
  timezone: "Australia/Sydney",
  hours: { mon: ["07:00-17:00"] },
};

function pathsOf(document: unknown): string[] {
  const parsed = TenantDocumentSchema.safeParse(document);
  return parsed.success ? [] : toFieldIssues(parsed.error).map((issue) => issue.path);
}

describe("isWebhookSecret", () => {
  it("accepts whsec_ plus base64 of 24 to 64 bytes", () => {
    for (const bytes of [24, 32, 64]) expect(isWebhookSecret(secret(bytes))).toBe(true);
  });

  it("rejects other prefixes, non-base64 text and keys that are too short or too long", () => {
    const key = randomBytes(32).toString("base64");
    for (const value of [
      key,
      `whsec-${key}`,
      `WHSEC_${key}`,
      "whsec_not base64!",
      `whsec_${key.slice(0, -2)}`,
      secret(16),
      secret(65),
      "whsec_",
    ]) {
      expect(isWebhookSecret(value), value).toBe(false);
    }
  });
});

describe("tenant notify settings", () => {
  it("are optional, and default to every event", () => {
    expect(TenantDocumentSchema.parse(minimal).notify).toBeUndefined();
    const tenant = TenantDocumentSchema.parse({
      ...minimal,
      notify: { webhookUrl: "https://crm.example.com/hooks/frontdesk", secret: secret(32) },
    });
    expect(tenant.notify?.events).toEqual(["call.ended", "lead.created"]);
    expect(isSubscribed(tenant.notify, "call.ended")).toBe(true);
  });

  it("keep a chosen subset of events", () => {
    const notify = NotifySchema.parse({
      webhookUrl: "http://127.0.0.1:8080/hook",
      secret: secret(32),
      events: ["lead.created"],
    });
    expect(isSubscribed(notify, "lead.created")).toBe(true);
    expect(isSubscribed(notify, "call.ended")).toBe(false);
    expect(isSubscribed(undefined, "call.ended")).toBe(false);
  });

  it("reject a bad URL, a malformed secret, unknown or repeated events and unknown keys", () => {
    expect(
      pathsOf({
        ...minimal,
        notify: {
          webhookUrl: "ftp://example.com/hook",
          secret: "my-secret",
          events: ["call.started"],
          retries: 3,
        },
      }).toSorted(),
    ).toEqual(["notify", "notify.events.0", "notify.secret", "notify.webhookUrl"]);
    expect(
      pathsOf({
        ...minimal,
        notify: {
          webhookUrl: "https://x.example",
          secret: secret(32),
          events: ["call.ended", "call.ended"],
        },
      }),
    ).toEqual(["notify.events"]);
    expect(pathsOf({ ...minimal, notify: { webhookUrl: "https://x.example" } })).toEqual([
      "notify.secret",
    ]);
  });
});

describe("tenant retentionDays", () => {
  it("accepts whole days from 1 to 3650", () => {
    for (const days of [1, 30, 3650]) {
      expect(TenantDocumentSchema.parse({ ...minimal, retentionDays: days }).retentionDays).toBe(
        days,
      );
    }
  });

  it("rejects zero, fractions, more than ten years and strings", () => {
    for (const days of [0, 1.5, 3651, "30"]) {
      expect(pathsOf({ ...minimal, retentionDays: days })).toEqual(["retentionDays"]);
    }
  });
});
