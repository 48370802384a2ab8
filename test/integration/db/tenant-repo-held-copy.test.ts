import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type DatabaseHandle } from "../../../src/db/kysely.js";
import { migrateToLatest } from "../../../src/db/migrate.js";
import {
  createTenantRepo,
  documentLengthOf,
  documentTextOf,
  keepDocumentDigestOnly,
  sameDocumentText,
  type TenantRepo,
} from "../../../src/tenants/tenant-repo.js";
import { buildTenant } from "../../helpers/factories.js";
import {
  availableStores,
  createTestDatabase,
  type TestDatabase,
} from "../../helpers/test-database.js";

const stores = await availableStores();

describe.each(stores)("tenant lookups given the copy a cache holds, on %s", (store) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let repo: TenantRepo;

  beforeAll(async () => {
    database = createTestDatabase(store);
    const schema =
      database.postgresSchema === undefined ? {} : { postgresSchema: database.postgresSchema };
    handle = createDatabase({ url: database.url, ...schema });
    await migrateToLatest(handle, schema);
    repo = createTenantRepo(handle.db);
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  it("returns the held copy while the stored document is the same, by any key", async () => {
    const tenant = buildTenant();
    await repo.upsertMany([tenant], "2026-01-01T00:00:00.000Z");
    const phone = tenant.phoneNumbers[0];
    const first = await repo.findByNumber(phone?.number ?? "");
    expect(first?.tenant.name).toBe(tenant.name);
    const held = (id: string) => (id === tenant.id ? first : undefined);
    expect(await repo.findByNumber(phone?.number ?? "", held)).toBe(first);
    expect(await repo.findByVapiPhoneNumberId(phone?.vapiPhoneNumberId ?? "", held)).toBe(first);
    expect(await repo.findById(tenant.id, held)).toBe(first);
    // Without a held copy every lookup parses its own.
    expect(await repo.findById(tenant.id)).not.toBe(first);
  });

  it("parses again when the tenant changed, even if its version and time did not", async () => {
    const tenant = buildTenant();
    await repo.upsertMany([tenant], "2026-01-01T00:00:00.000Z");
    const first = await repo.findById(tenant.id);
    const held = () => first;

    // The same id deleted and created again at the same moment: version 1 again.
    await repo.delete(tenant.id, "2026-01-01T00:00:00.000Z");
    await repo.upsertMany([{ ...tenant, name: "Created Again" }], "2026-01-01T00:00:00.000Z");
    const again = await repo.findById(tenant.id, held);
    expect(again).not.toBe(first);
    expect(again?.version).toBe(first?.version);
    expect(again?.tenant.name).toBe("Created Again");

    await repo.upsertMany([{ ...tenant, name: "Edited" }], "2026-01-02T00:00:00.000Z");
    expect((await repo.findById(tenant.id, () => again))?.tenant.name).toBe("Edited");
  });

  it("never hands back a copy that was not read from the database", async () => {
    const tenant = buildTenant();
    await repo.upsertMany([tenant], "2026-01-01T00:00:00.000Z");
    const stored = await repo.findById(tenant.id);
    const lookalike = {
      tenant: { ...tenant, name: "From elsewhere" },
      version: 1,
      updatedAt: "2026-01-01T00:00:00.000Z",
    };
    expect(stored?.version).toBe(1);
    const found = await repo.findById(tenant.id, () => lookalike);
    expect(found).not.toBe(lookalike);
    expect(found?.tenant.name).toBe(tenant.name);
  });

  it("recognises the same document by its digest once a cached copy dropped the text", async () => {
    const tenant = buildTenant();
    await repo.upsertMany([tenant], "2026-01-01T00:00:00.000Z");
    const first = await repo.findById(tenant.id);
    if (first === undefined) throw new Error("tenant not found");
    const textLength = documentTextOf(first)?.length;
    expect(textLength).toBeGreaterThan(100);

    keepDocumentDigestOnly(first);
    expect(documentTextOf(first)).toBeUndefined();
    expect(documentLengthOf(first)).toBe(textLength);
    expect(await repo.findById(tenant.id, () => first)).toBe(first);

    const fresh = await repo.findById(tenant.id);
    if (fresh === undefined) throw new Error("tenant not found");
    expect(sameDocumentText(first, fresh)).toBe(true);
    expect(sameDocumentText(fresh, first)).toBe(true);
    keepDocumentDigestOnly(fresh);
    expect(sameDocumentText(first, fresh)).toBe(true);
  });

  it("parses a document created again at the same version and time, against a digest-only copy", async () => {
    const tenant = buildTenant();
    await repo.upsertMany([tenant], "2026-01-01T00:00:00.000Z");
    const first = await repo.findById(tenant.id);
    if (first === undefined) throw new Error("tenant not found");
    keepDocumentDigestOnly(first);

    await repo.delete(tenant.id, "2026-01-01T00:00:00.000Z");
    await repo.upsertMany([{ ...tenant, name: "Created Again" }], "2026-01-01T00:00:00.000Z");
    const again = await repo.findById(tenant.id, () => first);
    if (again === undefined) throw new Error("tenant not found");
    expect(again).not.toBe(first);
    expect(again.version).toBe(first.version);
    expect(again.updatedAt).toBe(first.updatedAt);
    expect(again.tenant.name).toBe("Created Again");
    expect(sameDocumentText(first, again)).toBe(false);
    keepDocumentDigestOnly(again);
    expect(sameDocumentText(first, again)).toBe(false);
  });
});
