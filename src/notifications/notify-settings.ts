import { z } from "zod";

/** Events a tenant can be notified of; the `type` of each webhook body. */
export const NOTIFY_EVENTS = ["call.ended", "lead.created"] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

// Standard Webhooks secrets are "whsec_" + base64 of 24 to 64 random bytes (the spec's bounds).
const WEBHOOK_SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/** True for a well-formed Standard Webhooks secret ("whsec_" + canonical base64, 24–64 bytes). */
export function isWebhookSecret(value: string): boolean {
  const base64 = WEBHOOK_SECRET.exec(value)?.[1];
  if (base64 === undefined) return false;
  const bytes = Buffer.from(base64, "base64");
  // Node decodes leniently; a round trip rejects truncated or non-canonical text.
  return (
    bytes.toString("base64") === base64 &&
    bytes.length >= MIN_SECRET_BYTES &&
    bytes.length <= MAX_SECRET_BYTES
  );
}

/**
 * A tenant's outbound webhook (part of the tenant document). Bodies are signed per the
 * Standard Webhooks spec with `secret`; `events` chooses which are sent (default all).
 */
export const NotifySchema = z.strictObject({
  webhookUrl: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).max(2048),
  secret: z
    .string()
    .refine(
      isWebhookSecret,
      'must be a Standard Webhooks secret: "whsec_" followed by base64 of 24 to 64 random bytes',
    ),
  events: z
    .array(z.enum(NOTIFY_EVENTS))
    .min(1)
    .refine((events) => new Set(events).size === events.length, "lists an event twice")
    .default([...NOTIFY_EVENTS]),
});
export type NotifySettings = z.infer<typeof NotifySchema>;

/** Whether these settings (if any) ask for `event`. */
export function isSubscribed(
  notify: NotifySettings | undefined,
  event: NotifyEvent,
): notify is NotifySettings {
  return notify !== undefined && notify.events.includes(event);
}
