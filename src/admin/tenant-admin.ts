import type { z } from "zod";
import type { Clock } from "../clock.js";
import { AppError } from "../errors.js";
import type { TenantResolver } from "../tenants/resolve-tenant.js";
import {
  normalizeE164,
  PhoneNumberSchema,
  TenantDocumentSchema,
  toFieldIssues,
  type FieldIssue,
  type Tenant,
} from "../tenants/tenant-document.js";
import type { StoredTenant, TenantRepo } from "../tenants/tenant-repo.js";
import { ListTenantsQuerySchema, type TenantList, type TenantResource } from "./admin-schemas.js";
import type { Precondition } from "./if-match.js";
import { maskTenantSecrets, restoreMaskedSecrets } from "./mask-secrets.js";
import { applyMergePatch, isPlainObject } from "./merge-patch.js";

export interface TenantAdminDeps {
  tenants: TenantRepo;
  /** Every saved change is published so webhooks on every instance see it at once. */
  resolver: Pick<TenantResolver<unknown>, "publishChange">;
  clock: Clock;
  /**
   * Called when a change was saved but could not be broadcast (Redis down). This instance is
   * already invalidated; others catch up when their cache entries expire. Default: ignore.
   */
  onPublishError?: (tenantId: string, error: unknown) => void;
}

export interface TenantAdmin {
  /** @throws AppError VALIDATION_FAILED for a bad `limit` or `cursor`. */
  listTenants(query: unknown): Promise<TenantList>;
  /** @throws AppError NOT_FOUND */
  getTenant(id: string): Promise<TenantResource>;
  /** @throws AppError VALIDATION_FAILED, CONFLICT (id exists, number owned elsewhere) */
  createTenant(body: unknown): Promise<TenantResource>;
  /**
   * Replaces a tenant, or creates it when missing and no precondition was given (PUT is an
   * idempotent "make it so", like `frontdesk tenants import`).
   * @throws AppError VALIDATION_FAILED, NOT_FOUND (missing with If-Match), CONFLICT
   */
  replaceTenant(
    id: string,
    body: unknown,
    precondition?: Precondition,
  ): Promise<{ resource: TenantResource; created: boolean }>;
  /** Applies a JSON merge patch (RFC 7386), then validates the whole result. */
  patchTenant(id: string, patch: unknown, precondition?: Precondition): Promise<TenantResource>;
  /** @throws AppError NOT_FOUND */
  deleteTenant(id: string): Promise<void>;
  /**
   * Attaches a number; a no-op when it is already this tenant's with the same Vapi id.
   * @throws AppError CONFLICT when the number or Vapi id belongs to another tenant (or the Vapi
   * id to another number of this one).
   */
  attachPhoneNumber(
    id: string,
    body: unknown,
    precondition?: Precondition,
  ): Promise<{ resource: TenantResource; attached: boolean }>;
  /** @throws AppError NOT_FOUND when the tenant is missing or does not have the number. */
  detachPhoneNumber(
    id: string,
    number: string,
    precondition?: Precondition,
  ): Promise<TenantResource>;
}

// Without a version in If-Match the caller asked for no concurrency control, so a write that
// lost a race is recomputed on the fresh copy a few times before giving up with CONFLICT.
const MAX_WRITE_ATTEMPTS = 3;

/** The admin API's tenant operations, framework-free; every change is published to the caches. */
export function createTenantAdmin(deps: TenantAdminDeps): TenantAdmin {
  const nowIso = () => new Date(deps.clock.now()).toISOString();

  async function publish(tenantId: string): Promise<void> {
    try {
      await deps.resolver.publishChange(tenantId);
    } catch (error) {
      deps.onPublishError?.(tenantId, error);
    }
  }

  /**
   * Read, change, compare-and-swap write. `change` returns undefined for "nothing to do" and may
   * throw AppError to refuse.
   */
  async function modify(
    id: string,
    precondition: Precondition,
    change: (current: StoredTenant) => Tenant | undefined,
  ): Promise<StoredTenant> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await deps.tenants.findById(id);
      if (current === undefined) throw notFound(id);
      if (typeof precondition === "object" && precondition.version !== current.version) {
        throw versionMismatch(id, current.version);
      }
      const next = change(current);
      if (next === undefined) return current;
      const result = await deps.tenants.update(next, nowIso(), {
        expectedVersion: current.version,
      });
      if (result.status === "updated") {
        await publish(id);
        return result.stored;
      }
      if (result.status === "not-found") throw notFound(id);
      if (typeof precondition === "object" || attempt >= MAX_WRITE_ATTEMPTS) {
        throw versionMismatch(id, result.currentVersion);
      }
    }
  }

  return {
    async listTenants(query) {
      const { limit, cursor } = parseOrThrow(
        ListTenantsQuerySchema,
        query,
        "The query is invalid.",
      );
      // One extra row tells whether another page exists without a count query.
      const rows = await deps.tenants.list({ limit: limit + 1, after: cursor });
      const data = rows.slice(0, limit);
      return { data, nextCursor: rows.length > limit ? (data.at(-1)?.id ?? null) : null };
    },

    async getTenant(id) {
      const stored = await deps.tenants.findById(id);
      if (stored === undefined) throw notFound(id);
      return toResource(stored);
    },

    async createTenant(body) {
      const stored = await deps.tenants.insert(parseDocument(body, undefined), nowIso());
      await publish(stored.tenant.id);
      return toResource(stored);
    },

    async replaceTenant(id, body, precondition) {
      if (!isPlainObject(body))
        throw invalid([{ path: "(root)", message: "must be a JSON object" }]);
      if (body.id !== undefined && body.id !== id) {
        throw invalid([
          { path: "id", message: `must match the id in the URL ("${id}") or be omitted` },
        ]);
      }
      const document = { ...body, id };
      if ((await deps.tenants.findById(id)) === undefined) {
        if (precondition !== undefined) throw notFound(id);
        const stored = await deps.tenants.insert(parseDocument(document, undefined), nowIso());
        await publish(id);
        return { resource: toResource(stored), created: true };
      }
      const stored = await modify(id, precondition, (current) =>
        parseDocument(document, current.tenant),
      );
      return { resource: toResource(stored), created: false };
    },

    async patchTenant(id, patch, precondition) {
      if (!isPlainObject(patch)) {
        throw invalid([
          { path: "(root)", message: "must be a JSON object (a JSON merge patch, RFC 7386)" },
        ]);
      }
      const stored = await modify(id, precondition, (current) => {
        // Patched onto the stored (unmasked) document: untouched secrets stay as they are.
        const merged = applyMergePatch(current.tenant, patch);
        if (!isPlainObject(merged) || merged.id !== id) {
          throw invalid([{ path: "id", message: "cannot be changed" }]);
        }
        return parseDocument(merged, current.tenant);
      });
      return toResource(stored);
    },

    async deleteTenant(id) {
      if (!(await deps.tenants.delete(id, nowIso()))) throw notFound(id);
      await publish(id);
    },

    async attachPhoneNumber(id, body, precondition) {
      const phone = parseOrThrow(PhoneNumberSchema, body, "The phone number is invalid.");
      let attached = false;
      const stored = await modify(id, precondition, ({ tenant }) => {
        const existing = tenant.phoneNumbers.find((item) => item.number === phone.number);
        attached = existing === undefined;
        const sameId =
          phone.vapiPhoneNumberId === undefined ||
          phone.vapiPhoneNumberId === existing?.vapiPhoneNumberId;
        if (existing !== undefined && sameId) return undefined;
        const clash = tenant.phoneNumbers.find(
          (item) =>
            item.number !== phone.number &&
            phone.vapiPhoneNumberId !== undefined &&
            item.vapiPhoneNumberId === phone.vapiPhoneNumberId,
        );
        if (clash !== undefined) {
          throw new AppError(
            "CONFLICT",
            `Vapi phone number id ${phone.vapiPhoneNumberId ?? ""} is already used by ${clash.number} on tenant "${id}"`,
          );
        }
        const phoneNumbers = attached
          ? [...tenant.phoneNumbers, phone]
          : tenant.phoneNumbers.map((item) => (item.number === phone.number ? phone : item));
        return parseDocument({ ...tenant, phoneNumbers }, tenant);
      });
      return { resource: toResource(stored), attached };
    },

    async detachPhoneNumber(id, number, precondition) {
      const e164 = normalizeE164(number);
      if (e164 === undefined) {
        throw invalid([
          { path: "number", message: "must be an E.164 phone number like +61255501234" },
        ]);
      }
      const stored = await modify(id, precondition, ({ tenant }) => {
        if (!tenant.phoneNumbers.some((item) => item.number === e164)) {
          throw new AppError("NOT_FOUND", `number ${e164} is not attached to tenant "${id}"`);
        }
        return {
          ...tenant,
          phoneNumbers: tenant.phoneNumbers.filter((item) => item.number !== e164),
        };
      });
      return toResource(stored);
    },
  };
}

function toResource(stored: StoredTenant): TenantResource {
  return {
    document: maskTenantSecrets(stored.tenant),
    version: stored.version,
    updatedAt: stored.updatedAt,
  };
}

/** Validates a whole tenant document after putting back secrets sent in masked form. */
function parseDocument(input: unknown, stored: Tenant | undefined): Tenant {
  const restored = restoreMaskedSecrets(input, stored);
  const parsed = TenantDocumentSchema.safeParse(restored.value);
  const reported = new Set(restored.issues.map((issue) => issue.path));
  const issues = [
    ...restored.issues,
    // A masked value left in place also fails its length rule; one message per path is enough.
    ...(parsed.success ? [] : toFieldIssues(parsed.error).filter((i) => !reported.has(i.path))),
  ];
  if (!parsed.success || issues.length > 0)
    throw invalid(issues, "The tenant document is invalid.");
  return parsed.data;
}

function parseOrThrow<TSchema extends z.ZodType>(
  schema: TSchema,
  input: unknown,
  message: string,
): z.output<TSchema> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalid(toFieldIssues(parsed.error), message);
  return parsed.data;
}

function invalid(issues: FieldIssue[], message = "The request failed validation."): AppError {
  return new AppError("VALIDATION_FAILED", message, { details: issues });
}

function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `no tenant "${id}"`);
}

function versionMismatch(id: string, currentVersion: number | undefined): AppError {
  return new AppError(
    "CONFLICT",
    `tenant "${id}" was changed by someone else${currentVersion === undefined ? "" : ` (now version ${currentVersion})`}; fetch it again and retry`,
    { details: { currentVersion } },
  );
}
