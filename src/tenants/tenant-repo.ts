import { createHash, randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { prepareQuery } from "../db/prepared-query.js";
import { AppError } from "../errors.js";
import type { Database, TenantRow } from "../db/schema.js";
import { TenantDocumentSchema, type Tenant } from "./tenant-document.js";

export interface StoredTenant {
  tenant: Tenant;
  /** Increments on every change; caches compare it to know they hold the latest copy. */
  version: number;
  updatedAt: string;
}

export interface TenantSummary {
  id: string;
  name: string;
  timezone: string;
  version: number;
  phoneNumbers: string[];
  updatedAt: string;
}

/** Outcome of a guarded update; a number owned by another tenant still throws CONFLICT. */
export type UpdateTenantResult =
  | { status: "updated"; stored: StoredTenant }
  | { status: "not-found" }
  | { status: "version-mismatch"; currentVersion: number | undefined };

/**
 * The copy of a tenant a cache already holds, by tenant id. A lookup given one returns that
 * copy when the stored document is the very same text, instead of parsing and validating it
 * again (several numbers of one tenant, or its id and a number, share one parse).
 */
export type HeldTenant = (tenantId: string) => StoredTenant | undefined;

export interface TenantRepo {
  findById(id: string, held?: HeldTenant): Promise<StoredTenant | undefined>;
  findByVapiPhoneNumberId(
    vapiPhoneNumberId: string,
    held?: HeldTenant,
  ): Promise<StoredTenant | undefined>;
  findByNumber(e164: string, held?: HeldTenant): Promise<StoredTenant | undefined>;
  /** Inserts or replaces tenants (with their numbers) all-or-nothing. */
  upsertMany(
    tenants: readonly Tenant[],
    nowIso: string,
  ): Promise<{ created: number; updated: number }>;
  /**
   * Inserts a new tenant with its numbers (version 1).
   * @throws AppError CONFLICT when the id exists or a number belongs to another tenant.
   */
  insert(tenant: Tenant, nowIso: string): Promise<StoredTenant>;
  /**
   * Replaces an existing tenant and its numbers. Compare-and-swap: the write happens only if the
   * stored version is still `expectedVersion` (when given), so read-modify-write callers never
   * lose a concurrent change.
   * @throws AppError CONFLICT when a number belongs to another tenant.
   */
  update(
    tenant: Tenant,
    nowIso: string,
    options?: { expectedVersion?: number | undefined },
  ): Promise<UpdateTenantResult>;
  list(options: { limit: number; after?: string | undefined }): Promise<TenantSummary[]>;
  delete(id: string, nowIso: string): Promise<boolean>;
  /** Cheap reachability probe for readiness checks. */
  ping(): Promise<void>;
}

// The lookups behind every cold assistant-request: compiled once, not per call. They name the
// columns they need (no `*`), so that PostgreSQL may keep them parsed (prepared-query.ts).
const STORED_COLUMNS = [
  "tenants.id",
  "tenants.document",
  "tenants.version",
  "tenants.updated_at",
] as const;
const tenantById = prepareQuery((db, p: { id: string }) =>
  db.selectFrom("tenants").select(STORED_COLUMNS).where("id", "=", p.id),
);
const tenantByVapiPhoneNumberId = prepareQuery((db, p: { vapiPhoneNumberId: string }) =>
  db
    .selectFrom("phone_numbers")
    .innerJoin("tenants", "tenants.id", "phone_numbers.tenant_id")
    .select(STORED_COLUMNS)
    .where("phone_numbers.vapi_phone_number_id", "=", p.vapiPhoneNumberId),
);
const tenantByNumber = prepareQuery((db, p: { e164: string }) =>
  db
    .selectFrom("phone_numbers")
    .innerJoin("tenants", "tenants.id", "phone_numbers.tenant_id")
    .select(STORED_COLUMNS)
    .where("phone_numbers.number", "=", p.e164),
);

export interface TenantRepoOptions {
  /** Names this process in the change rows it writes, so its own change feed skips them. */
  origin?: string;
}

/** `tenant_changes.tenant_id` of a change too large to list tenant by tenant (a bulk import). */
export const ALL_TENANTS_CHANGED = "*";
// Past this many tenants in one transaction, readers reload everything anyway.
const MAX_LISTED_CHANGES = 50;

/**
 * Tenant persistence over Kysely; identical on SQLite and PostgreSQL. Every write also records
 * the change in `tenant_changes`, in the same transaction (tenant-change-feed.ts reads them).
 */
export function createTenantRepo(
  db: Kysely<Database>,
  options: TenantRepoOptions = {},
): TenantRepo {
  const origin = options.origin ?? randomUUID();
  const recordChanges = async (
    trx: Transaction<Database>,
    tenantIds: readonly string[],
    nowIso: string,
  ) => {
    if (tenantIds.length === 0) return;
    const listed = tenantIds.length > MAX_LISTED_CHANGES ? [ALL_TENANTS_CHANGED] : tenantIds;
    await trx
      .insertInto("tenant_changes")
      .values(
        listed.map((tenantId) => ({
          id: randomUUID(),
          tenant_id: tenantId,
          origin,
          changed_at: nowIso,
        })),
      )
      .execute();
  };
  return {
    async findById(id, held) {
      const row = await tenantById.executeTakeFirst(db, { id });
      return row === undefined ? undefined : toStored(row, held);
    },

    async findByVapiPhoneNumberId(vapiPhoneNumberId, held) {
      const row = await tenantByVapiPhoneNumberId.executeTakeFirst(db, { vapiPhoneNumberId });
      return row === undefined ? undefined : toStored(row, held);
    },

    async findByNumber(e164, held) {
      const row = await tenantByNumber.executeTakeFirst(db, { e164 });
      return row === undefined ? undefined : toStored(row, held);
    },

    async upsertMany(tenants, nowIso) {
      assertNoDuplicatesAcross(tenants);
      return db.transaction().execute(async (trx) => {
        let created = 0;
        let updated = 0;
        for (const tenant of tenants) {
          await assertNumbersFree(trx, tenant);
          const existing = await trx
            .selectFrom("tenants")
            .select(["version"])
            .where("id", "=", tenant.id)
            .executeTakeFirst();
          const document = JSON.stringify(tenant);
          if (existing === undefined) {
            await trx
              .insertInto("tenants")
              .values({
                id: tenant.id,
                name: tenant.name,
                timezone: tenant.timezone,
                document,
                version: 1,
                created_at: nowIso,
                updated_at: nowIso,
              })
              .execute();
            created += 1;
          } else {
            await trx
              .updateTable("tenants")
              .set({
                name: tenant.name,
                timezone: tenant.timezone,
                document,
                version: existing.version + 1,
                updated_at: nowIso,
              })
              .where("id", "=", tenant.id)
              .execute();
            updated += 1;
          }
          await trx.deleteFrom("phone_numbers").where("tenant_id", "=", tenant.id).execute();
          if (tenant.phoneNumbers.length > 0) {
            await trx
              .insertInto("phone_numbers")
              .values(
                tenant.phoneNumbers.map((phone) => ({
                  number: phone.number,
                  vapi_phone_number_id: phone.vapiPhoneNumberId ?? null,
                  tenant_id: tenant.id,
                  created_at: nowIso,
                })),
              )
              .execute();
          }
        }
        await recordChanges(
          trx,
          tenants.map((tenant) => tenant.id),
          nowIso,
        );
        return { created, updated };
      });
    },

    async insert(tenant, nowIso) {
      try {
        return await db.transaction().execute(async (trx) => {
          // ON CONFLICT DO NOTHING (both dialects): a concurrent create of the same id cannot
          // slip between a check and the insert.
          const inserted = await trx
            .insertInto("tenants")
            .values({
              id: tenant.id,
              name: tenant.name,
              timezone: tenant.timezone,
              document: JSON.stringify(tenant),
              version: 1,
              created_at: nowIso,
              updated_at: nowIso,
            })
            .onConflict((conflict) => conflict.column("id").doNothing())
            .executeTakeFirst();
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
            throw new AppError("CONFLICT", `tenant "${tenant.id}" already exists`);
          }
          await assertNumbersFree(trx, tenant);
          await replaceNumbers(trx, tenant, nowIso);
          await recordChanges(trx, [tenant.id], nowIso);
          return { tenant, version: 1, updatedAt: nowIso };
        });
      } catch (error) {
        throw asConflict(error);
      }
    },

    async update(tenant, nowIso, { expectedVersion } = {}) {
      try {
        return await db.transaction().execute(async (trx): Promise<UpdateTenantResult> => {
          const existing = await trx
            .selectFrom("tenants")
            .select(["version"])
            .where("id", "=", tenant.id)
            .executeTakeFirst();
          if (existing === undefined) return { status: "not-found" };
          if (expectedVersion !== undefined && existing.version !== expectedVersion) {
            return { status: "version-mismatch", currentVersion: existing.version };
          }
          await assertNumbersFree(trx, tenant);
          // Guarded by the version just read: on PostgreSQL a concurrent writer that committed
          // in between makes this match nothing instead of being overwritten.
          const updated = await trx
            .updateTable("tenants")
            .set({
              name: tenant.name,
              timezone: tenant.timezone,
              document: JSON.stringify(tenant),
              version: existing.version + 1,
              updated_at: nowIso,
            })
            .where("id", "=", tenant.id)
            .where("version", "=", existing.version)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) {
            return { status: "version-mismatch", currentVersion: undefined };
          }
          await replaceNumbers(trx, tenant, nowIso);
          await recordChanges(trx, [tenant.id], nowIso);
          return {
            status: "updated",
            stored: { tenant, version: existing.version + 1, updatedAt: nowIso },
          };
        });
      } catch (error) {
        throw asConflict(error);
      }
    },

    async list({ limit, after }) {
      let query = db.selectFrom("tenants").selectAll().orderBy("id").limit(limit);
      if (after !== undefined) query = query.where("id", ">", after);
      const rows = await query.execute();
      if (rows.length === 0) return [];
      const numbers = await db
        .selectFrom("phone_numbers")
        .select(["tenant_id", "number"])
        .where(
          "tenant_id",
          "in",
          rows.map((row) => row.id),
        )
        .orderBy("number")
        .execute();
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        timezone: row.timezone,
        version: row.version,
        updatedAt: row.updated_at,
        phoneNumbers: numbers.filter((n) => n.tenant_id === row.id).map((n) => n.number),
      }));
    },

    async delete(id, nowIso) {
      return db.transaction().execute(async (trx) => {
        const result = await trx.deleteFrom("tenants").where("id", "=", id).executeTakeFirst();
        const deleted = Number(result.numDeletedRows) > 0;
        if (deleted) await recordChanges(trx, [id], nowIso);
        return deleted;
      });
    },

    async ping() {
      await db.selectFrom("tenants").select("id").limit(1).execute();
    },
  };
}

/**
 * What is kept of the JSON text a copy was parsed from: the whole text while the copy is fresh
 * (the shared cache tier stores it as is), then only its length and SHA-256 once the copy is
 * cached (`keepDocumentDigestOnly`). The text was ~3 KB of every cached tenant's ~13 KB.
 */
type DocumentSource = { text: string } | { length: number; digest: string };

const documentSources = new WeakMap<StoredTenant, DocumentSource>();

/** The stored JSON text a fresh copy returned by this repo was parsed from. */
export function documentTextOf(stored: StoredTenant): string | undefined {
  const source = documentSources.get(stored);
  return source !== undefined && "text" in source ? source.text : undefined;
}

/** The length of the stored JSON text a copy returned by this repo was parsed from. */
export function documentLengthOf(stored: StoredTenant): number | undefined {
  const source = documentSources.get(stored);
  if (source === undefined) return undefined;
  return "text" in source ? source.text.length : source.length;
}

/** Drops the copy's document text, keeping what tells whether another text is the same. */
export function keepDocumentDigestOnly(stored: StoredTenant): void {
  const source = documentSources.get(stored);
  if (source === undefined || !("text" in source)) return;
  documentSources.set(stored, { length: source.text.length, digest: digestOf(source.text) });
}

/**
 * Whether two copies were parsed from the same document text; `undefined` when either did not
 * come from this repo (a copy from Redis carries no text).
 */
export function sameDocumentText(a: StoredTenant, b: StoredTenant): boolean | undefined {
  const sourceA = documentSources.get(a);
  const sourceB = documentSources.get(b);
  if (sourceA === undefined || sourceB === undefined) return undefined;
  if ("text" in sourceB) return matchesText(sourceA, sourceB.text);
  if ("text" in sourceA) return matchesText(sourceB, sourceA.text);
  return sourceA.length === sourceB.length && sourceA.digest === sourceB.digest;
}

function matchesText(source: DocumentSource, text: string): boolean {
  if ("text" in source) return source.text === text;
  return source.length === text.length && source.digest === digestOf(text);
}

function digestOf(text: string): string {
  return createHash("sha256").update(text).digest("base64");
}

function toStored(
  row: Pick<TenantRow, "id" | "document" | "version" | "updated_at">,
  held: HeldTenant | undefined,
): StoredTenant {
  const copy = held?.(row.id);
  // The same text parses to the same tenant: compared whole (or by SHA-256 once the held copy
  // kept only that), so that nothing (a tenant deleted and created again at the same version,
  // a restored backup) can pass off another document.
  const source = copy === undefined ? undefined : documentSources.get(copy);
  if (
    copy !== undefined &&
    source !== undefined &&
    copy.version === row.version &&
    copy.updatedAt === row.updated_at &&
    matchesText(source, row.document)
  ) {
    return copy;
  }
  // Documents were validated on the way in; parsing again applies defaults added since.
  const tenant = TenantDocumentSchema.parse(JSON.parse(row.document));
  const stored = { tenant, version: row.version, updatedAt: row.updated_at };
  documentSources.set(stored, { text: row.document });
  return stored;
}

async function replaceNumbers(
  trx: Transaction<Database>,
  tenant: Tenant,
  nowIso: string,
): Promise<void> {
  await trx.deleteFrom("phone_numbers").where("tenant_id", "=", tenant.id).execute();
  if (tenant.phoneNumbers.length === 0) return;
  await trx
    .insertInto("phone_numbers")
    .values(
      tenant.phoneNumbers.map((phone) => ({
        number: phone.number,
        vapi_phone_number_id: phone.vapiPhoneNumberId ?? null,
        tenant_id: tenant.id,
        created_at: nowIso,
      })),
    )
    .execute();
}

/**
 * A unique-key violation means a concurrent transaction took the id or a number after our
 * checks ran (PostgreSQL, read committed): report it as the same CONFLICT the checks would give.
 */
function asConflict(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const isUniqueViolation =
    code === "23505" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
    code === "SQLITE_CONSTRAINT_UNIQUE";
  return isUniqueViolation
    ? new AppError("CONFLICT", "the tenant id or a phone number was taken concurrently", {
        cause: error,
      })
    : error;
}

function assertNoDuplicatesAcross(tenants: readonly Tenant[]): void {
  const owners = new Map<string, string>();
  for (const tenant of tenants) {
    for (const phone of tenant.phoneNumbers) {
      for (const key of [
        `number ${phone.number}`,
        phone.vapiPhoneNumberId && `Vapi phone number id ${phone.vapiPhoneNumberId}`,
      ]) {
        if (!key) continue;
        const owner = owners.get(key);
        if (owner !== undefined && owner !== tenant.id) {
          throw new AppError("CONFLICT", `${key} is given to both "${owner}" and "${tenant.id}"`);
        }
        owners.set(key, tenant.id);
      }
    }
  }
}

async function assertNumbersFree(trx: Transaction<Database>, tenant: Tenant): Promise<void> {
  if (tenant.phoneNumbers.length === 0) return;
  const numbers = tenant.phoneNumbers.map((phone) => phone.number);
  const vapiIds = tenant.phoneNumbers.flatMap((phone) =>
    phone.vapiPhoneNumberId === undefined ? [] : [phone.vapiPhoneNumberId],
  );
  const taken = await trx
    .selectFrom("phone_numbers")
    .select(["number", "vapi_phone_number_id", "tenant_id"])
    .where("tenant_id", "!=", tenant.id)
    .where((eb) =>
      vapiIds.length > 0
        ? eb.or([eb("number", "in", numbers), eb("vapi_phone_number_id", "in", vapiIds)])
        : eb("number", "in", numbers),
    )
    .executeTakeFirst();
  if (taken !== undefined) {
    const what = numbers.includes(taken.number)
      ? `number ${taken.number}`
      : `Vapi phone number id ${taken.vapi_phone_number_id ?? ""}`;
    throw new AppError("CONFLICT", `${what} already belongs to tenant "${taken.tenant_id}"`, {
      details: { tenantId: tenant.id, ownerTenantId: taken.tenant_id },
    });
  }
}
