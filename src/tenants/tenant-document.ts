import { IANAZone } from "luxon";
import { z } from "zod";
import { NotifySchema } from "../notifications/notify-settings.js";
import { DEEPGRAM_VOICE_IDS, OPENAI_MODELS } from "../vapi/catalog.js";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const WEEKDAY_NAMES: Readonly<Record<Weekday, string>> = {
  mon: "Monday",
  tue: "Tuesday",
  wed: "Wednesday",
  thu: "Thursday",
  fri: "Friday",
  sat: "Saturday",
  sun: "Sunday",
};

const E164 = /^\+[1-9]\d{6,14}$/;

/** Accepts common human spellings ("+61 2 5550 1234", "(02)...") only once reduced to E.164. */
export function normalizeE164(value: string): string | undefined {
  // "+61 (0)2 5550 1234": the bracketed trunk 0 is not dialled after a country code.
  const compact = value.replace(/^(\+\d{1,3})\s*\(0\)/, "$1").replace(/[\s().-]/g, "");
  return E164.test(compact) ? compact : undefined;
}

export const E164Schema = z.string().transform((value, ctx) => {
  const normalised = normalizeE164(value);
  if (normalised === undefined) {
    ctx.addIssue({ code: "custom", message: "must be an E.164 phone number like +61255501234" });
    return z.NEVER;
  }
  return normalised;
});

const TIME_RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$/;

export const TimeRangeSchema = z.string().refine(
  (value) => {
    const match = TIME_RANGE.exec(value);
    if (match === null) return false;
    const start = Number(match[1]) * 60 + Number(match[2]);
    const end = Number(match[3]) * 60 + Number(match[4]);
    return end > start && end <= 24 * 60;
  },
  { message: 'must be "HH:MM-HH:MM" with the end after the start, e.g. "07:00-17:00"' },
);

const IsoDateSchema = z.iso.date({ message: "must be a date like 2026-12-25" });

// Strict: a misspelt day ("thur") must fail, not silently leave that day closed.
const HoursSchema = z.strictObject(
  Object.fromEntries(WEEKDAYS.map((day) => [day, z.array(TimeRangeSchema).max(8).default([])])) as {
    [K in Weekday]: z.ZodDefault<z.ZodArray<typeof TimeRangeSchema>>;
  },
);

const trimmed = (max: number) => z.string().trim().min(1).max(max);

export const VoiceSchema = z.discriminatedUnion("provider", [
  z.object({
    provider: z.literal("deepgram"),
    voiceId: z.enum(DEEPGRAM_VOICE_IDS),
    model: z.enum(["aura", "aura-2"]).optional(),
  }),
  z.object({ provider: z.literal("vapi"), voiceId: trimmed(64) }),
  z.object({ provider: z.literal("11labs"), voiceId: trimmed(64) }),
]);
export type Voice = z.infer<typeof VoiceSchema>;

export const ModelSchema = z.object({
  provider: z.literal("openai"),
  model: z.enum(OPENAI_MODELS),
  temperature: z.number().min(0).max(2).optional(),
});
export type Model = z.infer<typeof ModelSchema>;

const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const NUL = "\u0000";

/**
 * Adds an issue at every string under `value` that contains U+0000, unless that path already has
 * one. PostgreSQL text cannot hold the character (SQLite can), so without this a tenant name with
 * a NUL saved on SQLite and failed with a 500 on PostgreSQL; now both stores answer with the same
 * field-path 400. One walk over the whole document covers every field, present and future.
 */
function flagNulCharacters(value: unknown, ctx: z.RefinementCtx): void {
  const flagged = new Set(ctx.issues.map((issue) => pathKey(issue.path ?? [])));
  const visit = (node: unknown, path: (string | number)[]) => {
    if (typeof node === "string") {
      if (node.includes(NUL) && !flagged.has(pathKey(path))) {
        ctx.addIssue({
          code: "custom",
          path,
          message: "must not contain the NUL character (U+0000)",
        });
      }
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, [...path, index]));
    } else if (typeof node === "object" && node !== null) {
      for (const [key, child] of Object.entries(node)) visit(child, [...path, key]);
    }
  };
  visit(value, []);
}

const pathKey = (path: readonly PropertyKey[]) => path.map(String).join("\u0001");

/** One number a tenant answers on (also the admin API's attach body). */
export const PhoneNumberSchema = z
  .strictObject({
    vapiPhoneNumberId: trimmed(64).optional(),
    number: E164Schema,
  })
  .superRefine(flagNulCharacters);
export type PhoneNumber = z.infer<typeof PhoneNumberSchema>;

// Checking a zone builds an Intl.DateTimeFormat (luxon), the costliest step of reading a
// stored tenant (a cold lookup). The answers are few and never change within a process.
const zoneValidity = new Map<string, boolean>();
function isKnownTimeZone(zone: string): boolean {
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    // Bounded: only an attacker-supplied stream of distinct names could grow it.
    if (zoneValidity.size >= 1000) zoneValidity.clear();
    zoneValidity.set(zone, valid);
  }
  return valid;
}

/**
 * A tenant as an operator writes it (JSON or YAML import, admin API). Extra keys are rejected so
 * that typos ("hour" for "hours") surface as errors instead of being silently ignored.
 */
export const TenantDocumentSchema = z
  .object({
    id: z.string().regex(TENANT_ID, "must be lower-case letters, digits, '-' or '_' (max 63)"),
    name: trimmed(120),
    timezone: z
      .string()
      .refine((zone) => isKnownTimeZone(zone), "must be an IANA time zone like Australia/Sydney"),
    phoneNumbers: z.array(PhoneNumberSchema).max(1000).default([]),
    hours: HoursSchema,
    services: z.array(trimmed(80)).max(100).default([]),
    closures: z
      .array(z.strictObject({ date: IsoDateSchema, reason: trimmed(200).optional() }))
      .max(400)
      .default([]),
    escalation: z
      .strictObject({
        number: E164Schema,
        triggers: z.array(trimmed(80)).max(50).default([]),
      })
      .optional(),
    transfer: z
      .strictObject({
        number: E164Schema,
        message: z.string().trim().max(300).optional(),
      })
      .optional(),
    booking: z
      .strictObject({
        /** Length of one appointment; slots start this far apart from each opening time. */
        slotMinutes: z.number().int().min(10).max(720).default(60),
        /** How far ahead of now the earliest bookable slot must start. */
        leadTimeMinutes: z
          .number()
          .int()
          .min(0)
          .max(60 * 24 * 14)
          .optional(),
      })
      .optional(),
    faq: z
      .array(z.strictObject({ question: trimmed(300), answer: trimmed(2000) }))
      .max(500)
      .default([]),
    assistant: z
      .strictObject({
        firstMessage: trimmed(500).optional(),
        voice: VoiceSchema.optional(),
        model: ModelSchema.optional(),
        instructions: z.string().trim().max(8000).optional(),
        /**
         * A saved Vapi assistant to use instead of a transient one; frontdesk then answers
         * {assistantId, assistantOverrides:{variableValues}} with the per-call context.
         */
        assistantId: trimmed(64).optional(),
      })
      .default({}),
    /**
     * The tenant's own webhook credentials (agencies whose clients have their own Vapi accounts).
     * Same header rules as the global VAPI_SECRET / VAPI_HMAC_SECRET; global keys keep working.
     */
    vapiAuth: z
      .strictObject({
        secrets: z
          .array(z.string().min(16, "must be at least 16 characters").max(512))
          .max(10)
          .default([]),
        hmacSecrets: z
          .array(z.string().min(16, "must be at least 16 characters").max(512))
          .max(10)
          .default([]),
      })
      .optional(),
    /** Signed webhooks to the tenant after a call or a lead (src/notifications). */
    notify: NotifySchema.optional(),
    /** Days after which call transcripts and recordings are purged; kept forever when unset. */
    retentionDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict()
  .superRefine(flagNulCharacters)
  .superRefine((tenant, ctx) => {
    const seenNumbers = new Set<string>();
    const seenIds = new Set<string>();
    tenant.phoneNumbers.forEach((phone, index) => {
      if (seenNumbers.has(phone.number)) {
        ctx.addIssue({
          code: "custom",
          path: ["phoneNumbers", index, "number"],
          message: "is listed twice",
        });
      }
      seenNumbers.add(phone.number);
      if (phone.vapiPhoneNumberId !== undefined) {
        if (seenIds.has(phone.vapiPhoneNumberId)) {
          ctx.addIssue({
            code: "custom",
            path: ["phoneNumbers", index, "vapiPhoneNumberId"],
            message: "is listed twice",
          });
        }
        seenIds.add(phone.vapiPhoneNumberId);
      }
    });
  });

/** A validated tenant: defaults applied, numbers normalised. */
export type Tenant = z.infer<typeof TenantDocumentSchema>;
export type TenantInput = z.input<typeof TenantDocumentSchema>;

export interface FieldIssue {
  path: string;
  message: string;
}

/** Turns zod issues into `{path, message}` pairs with dotted paths (`hours.mon.0`). */
export function toFieldIssues(error: z.ZodError, prefix: (string | number)[] = []): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join(".") || "(root)",
    message: issue.message,
  }));
}
