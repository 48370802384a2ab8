/*
 * The example tenant (examples/tenants/harbourside-plumbing.yaml) and a fresh SQLite file that
 * holds it, for the benchmarks that measure storage outside HTTP (storage-floor.ts,
 * tool-call-writes.ts, webhook-cpu.ts); run.ts imports the same file into the servers it starts.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createDatabase, type DatabaseHandle } from "../src/db/kysely.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { parseTenantFile } from "../src/tenants/parse-tenant-file.js";
import type { Tenant } from "../src/tenants/tenant-document.js";
import { createTenantRepo } from "../src/tenants/tenant-repo.js";
import type { DialedTenant } from "./payloads/end-of-call-report.js";

const EXAMPLE_TENANT = new URL("../examples/tenants/harbourside-plumbing.yaml", import.meta.url);
/** The example tenant's file, for `frontdesk tenants import`. */
export const EXAMPLE_TENANT_FILE = fileURLToPath(EXAMPLE_TENANT);

export async function readExampleTenant(): Promise<Tenant> {
  const parsed = parseTenantFile(await readFile(EXAMPLE_TENANT, "utf8"), "tenant.yaml");
  const first = parsed.ok ? parsed.tenants[0] : undefined;
  if (first === undefined) throw new Error("the example tenant does not parse");
  return first;
}

/** What the generated bodies need of `tenant`: its id, time zone and first number. */
export function dialedTenantOf(tenant: Tenant): DialedTenant {
  const phone = tenant.phoneNumbers[0];
  if (phone?.vapiPhoneNumberId === undefined) {
    throw new Error(`tenant ${tenant.id} has no number with a vapiPhoneNumberId`);
  }
  return {
    tenantId: tenant.id,
    vapiPhoneNumberId: phone.vapiPhoneNumberId,
    number: phone.number,
    timezone: tenant.timezone,
  };
}

/** A new database file with frontdesk's schema, its settings and `tenant`. */
export async function openDatabaseWith(file: string, tenant: Tenant): Promise<DatabaseHandle> {
  const handle = createDatabase({ url: file });
  await migrateToLatest(handle);
  await createTenantRepo(handle.db).upsertMany([tenant], new Date().toISOString());
  return handle;
}
