import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { maskSecret, maskTenantSecrets } from "../admin/mask-secrets.js";
import type { TenantAdmin } from "../admin/tenant-admin.js";
import { isAppError } from "../errors.js";
import {
  WEEKDAYS,
  type FieldIssue,
  type Tenant,
  type Weekday,
} from "../tenants/tenant-document.js";
import type { StoredTenant } from "../tenants/tenant-repo.js";

/*
 * The dashboard's tenant editing: form fields ⇄ tenant document. Saving goes through the admin
 * API's own service (`TenantAdmin.replaceTenant`), so the dashboard validates exactly as the API
 * does (TenantDocumentSchema, masked-secret rules), writes with the same version check, and
 * publishes the change to every instance's cache before answering.
 */

/** The submitted form, as the browser sent it (application/x-www-form-urlencoded). */
export interface FormInput {
  get(name: string): string | null;
}

export interface TenantFormValues {
  name: string;
  timezone: string;
  hours: Record<Weekday, string>;
  services: string;
  closures: string;
  escalationNumber: string;
  escalationTriggers: string;
  transferNumber: string;
  transferMessage: string;
  faq: { question: string; answer: string }[];
}

/** Field name → messages, plus what belongs to no field. */
export interface FormErrors {
  byField: Map<string, string[]>;
  general: string[];
}

export type SaveResult =
  | { status: "saved"; version: number }
  | { status: "invalid"; errors: FormErrors }
  | { status: "conflict"; message: string }
  | { status: "not-found" };

/** Blank FAQ rows offered after the existing ones (JS can add more). */
export const BLANK_FAQ_ROWS = 2;
// Far above the schema's 500-entry limit would be a crafted request; the schema reports the rest.
const MAX_FAQ_ROWS = 600;

export function toFormValues(tenant: Tenant): TenantFormValues {
  return {
    name: tenant.name,
    timezone: tenant.timezone,
    hours: Object.fromEntries(WEEKDAYS.map((day) => [day, tenant.hours[day].join(", ")])) as Record<
      Weekday,
      string
    >,
    services: tenant.services.join("\n"),
    closures: tenant.closures
      .map((closure) => [closure.date, closure.reason].filter(Boolean).join(" "))
      .join("\n"),
    escalationNumber: tenant.escalation?.number ?? "",
    escalationTriggers: tenant.escalation?.triggers.join("\n") ?? "",
    transferNumber: tenant.transfer?.number ?? "",
    transferMessage: tenant.transfer?.message ?? "",
    faq: tenant.faq.map((entry) => ({ question: entry.question, answer: entry.answer })),
  };
}

/**
 * The submitted fields; a field missing from the form entirely (not merely empty) keeps its
 * current value from `current`, so a partial post can never wipe what it did not show.
 */
export function readFormValues(form: FormInput, current: TenantFormValues): TenantFormValues {
  const text = (name: string, fallback: string) => form.get(name) ?? fallback;
  const faq: { question: string; answer: string }[] = [];
  for (let row = 0; row < MAX_FAQ_ROWS; row += 1) {
    const question = form.get(`faq.${row}.question`);
    const answer = form.get(`faq.${row}.answer`);
    if (question === null && answer === null) break;
    faq.push({ question: question ?? "", answer: answer ?? "" });
  }
  return {
    name: text("name", current.name),
    timezone: text("timezone", current.timezone),
    hours: Object.fromEntries(
      WEEKDAYS.map((day) => [day, text(`hours.${day}`, current.hours[day])]),
    ) as Record<Weekday, string>,
    services: text("services", current.services),
    closures: text("closures", current.closures),
    escalationNumber: text("escalation.number", current.escalationNumber),
    escalationTriggers: text("escalation.triggers", current.escalationTriggers),
    transferNumber: text("transfer.number", current.transferNumber),
    transferMessage: text("transfer.message", current.transferMessage),
    faq: faq.length === 0 && form.get("faq.0.question") === null ? current.faq : faq,
  };
}

interface Built {
  document: Record<string, unknown>;
  /** For each FAQ entry in the document, the form row it came from. */
  faqRows: number[];
  /** For each closure in the document, its line in the textarea (1-based). */
  closureLines: number[];
}

/** The stored document with the form's fields applied; everything else is kept as stored. */
function buildDocument(stored: Tenant, values: TenantFormValues): Built {
  const lines = (text: string) =>
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "");
  const closureLines: number[] = [];
  const closures = text2lines(values.closures).flatMap(({ line, number }) => {
    closureLines.push(number);
    const match = /^(\S+)\s*(.*)$/.exec(line);
    const reason = match?.[2]?.trim();
    return [{ date: match?.[1] ?? line, ...(reason ? { reason } : {}) }];
  });
  const faqRows: number[] = [];
  const faq = values.faq.flatMap((entry, row) => {
    if (entry.question.trim() === "" && entry.answer.trim() === "") return [];
    faqRows.push(row);
    return [{ question: entry.question, answer: entry.answer }];
  });
  const escalationNumber = values.escalationNumber.trim();
  const triggers = lines(values.escalationTriggers);
  const transferNumber = values.transferNumber.trim();
  const transferMessage = values.transferMessage.trim();

  const document: Record<string, unknown> = {
    ...stored,
    name: values.name,
    timezone: values.timezone.trim(),
    hours: Object.fromEntries(
      WEEKDAYS.map((day) => [
        day,
        values.hours[day]
          .split(/[,;\n]/)
          .map((range) => range.trim().replace(/\s*[–—]\s*|\s+-\s+/g, "-"))
          .filter((range) => range !== ""),
      ]),
    ),
    services: lines(values.services),
    closures,
    faq,
  };
  delete document.escalation;
  delete document.transfer;
  if (escalationNumber !== "" || triggers.length > 0) {
    document.escalation = { number: escalationNumber, triggers };
  }
  if (transferNumber !== "" || transferMessage !== "") {
    document.transfer = {
      number: transferNumber,
      ...(transferMessage === "" ? {} : { message: transferMessage }),
    };
  }
  return { document, faqRows, closureLines };
}

function text2lines(text: string): { line: string; number: number }[] {
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== "");
}

/** Places each validation issue next to the form field it concerns. */
export function mapIssuesToFields(issues: readonly FieldIssue[], built?: Built): FormErrors {
  const byField = new Map<string, string[]>();
  const general: string[] = [];
  const add = (field: string, message: string) => {
    byField.set(field, [...(byField.get(field) ?? []), message]);
  };
  for (const issue of issues) {
    const [head, second, third] = issue.path.split(".");
    const index = second === undefined ? Number.NaN : Number(second);
    switch (head) {
      case "name":
      case "timezone":
        add(head, issue.message);
        break;
      case "hours":
        if (second !== undefined && (WEEKDAYS as readonly string[]).includes(second)) {
          const range = third === undefined ? "" : `range ${Number(third) + 1}: `;
          add(`hours.${second}`, `${range}${issue.message}`);
        } else general.push(`hours: ${issue.message}`);
        break;
      case "services":
        add(
          "services",
          Number.isNaN(index) ? issue.message : `line ${index + 1}: ${issue.message}`,
        );
        break;
      case "closures": {
        const line = built?.closureLines[index];
        add("closures", line === undefined ? issue.message : `line ${line}: ${issue.message}`);
        break;
      }
      case "escalation":
      case "transfer":
        if (second === "triggers") {
          const line = third === undefined ? "" : `line ${Number(third) + 1}: `;
          add("escalation.triggers", `${line}${issue.message}`);
        } else if (second === "number" || second === "message") {
          add(`${head}.${second}`, issue.message);
        } else add(`${head}.number`, issue.message);
        break;
      case "faq": {
        const row = built?.faqRows[index];
        if (row !== undefined && (third === "question" || third === "answer")) {
          add(`faq.${row}.${third}`, issue.message);
        } else add("faq", issue.message);
        break;
      }
      default:
        general.push(`${issue.path}: ${issue.message}`);
    }
  }
  return { byField, general };
}

export interface TenantEditorDeps {
  admin: Pick<TenantAdmin, "getTenant" | "replaceTenant">;
  findStored(id: string): Promise<StoredTenant | undefined>;
}

export interface TenantEditor {
  saveForm(id: string, expectedVersion: number, values: TenantFormValues): Promise<SaveResult>;
  /** The whole document as YAML, with every secret masked. */
  documentYaml(tenant: Tenant): string;
  saveYaml(id: string, expectedVersion: number, yamlText: string): Promise<SaveResult>;
}

export function createTenantEditor(deps: TenantEditorDeps): TenantEditor {
  async function save(
    id: string,
    expectedVersion: number,
    document: unknown,
    built?: Built,
  ): Promise<SaveResult> {
    try {
      const { resource } = await deps.admin.replaceTenant(id, document, {
        version: expectedVersion,
      });
      return { status: "saved", version: resource.version };
    } catch (error) {
      if (!isAppError(error)) throw error;
      if (error.code === "VALIDATION_FAILED") {
        return { status: "invalid", errors: mapIssuesToFields(toIssues(error.details), built) };
      }
      if (error.code === "CONFLICT") return { status: "conflict", message: error.message };
      if (error.code === "NOT_FOUND") return { status: "not-found" };
      throw error;
    }
  }

  return {
    async saveForm(id, expectedVersion, values) {
      const stored = await deps.findStored(id);
      if (stored === undefined) return { status: "not-found" };
      const built = buildDocument(stored.tenant, values);
      return save(id, expectedVersion, built.document, built);
    },

    documentYaml(tenant) {
      return stringifyYaml(maskAllSecrets(tenant), { lineWidth: 100 });
    },

    async saveYaml(id, expectedVersion, yamlText) {
      let parsed: unknown;
      try {
        parsed = parseYaml(yamlText, { maxAliasCount: 100 });
      } catch (error) {
        const message = error instanceof Error ? error.message.split("\n")[0] : "not valid YAML";
        return {
          status: "invalid",
          errors: { byField: new Map(), general: [`The document is not valid YAML: ${message}`] },
        };
      }
      const stored = await deps.findStored(id);
      if (stored === undefined) return { status: "not-found" };
      const result = await save(id, expectedVersion, restoreNotifySecret(parsed, stored.tenant));
      if (result.status !== "invalid") return result;
      // In the raw editor every issue is listed with its path.
      const general = [
        ...result.errors.general,
        ...[...result.errors.byField.entries()].flatMap(([field, messages]) =>
          messages.map((message) => `${field}: ${message}`),
        ),
      ];
      return { status: "invalid", errors: { byField: new Map(), general } };
    },
  };
}

/** Masks webhook credentials (as the admin API does) and the notification signing secret. */
export function maskAllSecrets(tenant: Tenant): Tenant {
  const masked = maskTenantSecrets(tenant);
  if (masked.notify === undefined) return masked;
  return { ...masked, notify: { ...masked.notify, secret: maskSecret(masked.notify.secret) } };
}

/** A masked notify secret sent back unchanged keeps the stored one. */
function restoreNotifySecret(input: unknown, stored: Tenant): unknown {
  if (!isRecord(input) || !isRecord(input.notify) || stored.notify === undefined) return input;
  if (input.notify.secret !== maskSecret(stored.notify.secret)) return input;
  return { ...input, notify: { ...input.notify, secret: stored.notify.secret } };
}

function toIssues(details: unknown): FieldIssue[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((item: unknown) =>
    isRecord(item) && typeof item.path === "string" && typeof item.message === "string"
      ? [{ path: item.path, message: item.message }]
      : [],
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
