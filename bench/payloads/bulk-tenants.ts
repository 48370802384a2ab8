import type { DialedTenant } from "./end-of-call-report.js";

/*
 * The 10,000-tenant / 100,000-number set (issue 3): copies of the example tenant document with
 * their own id, name and ten numbers each. Numbers and Vapi phone-number ids are a pure
 * function of their index, so the load generator can dial number i without the list.
 */

export interface BulkTenantSet {
  tenants: number;
  numbersPerTenant: number;
}

export const BULK_TENANT_SET: BulkTenantSet = { tenants: 10_000, numbersPerTenant: 10 };

export function bulkNumberCount(set: BulkTenantSet): number {
  return set.tenants * set.numbersPerTenant;
}

function tenantId(tenantIndex: number): string {
  return `bench-tenant-${String(tenantIndex).padStart(5, "0")}`;
}

/** Number `index` (0 ≤ index < tenants × numbersPerTenant), owned by tenant index ÷ per-tenant. */
export function bulkDialed(set: BulkTenantSet, index: number, timezone: string): DialedTenant {
  return {
    tenantId: tenantId(Math.floor(index / set.numbersPerTenant)),
    timezone,
    // +1 555 01xx xxxx: a fictitious North American range, distinct from the example tenant's.
    number: `+155501${String(index).padStart(6, "0")}`,
    vapiPhoneNumberId: `b3c0a000-0000-4000-8000-${index.toString(16).padStart(12, "0")}`,
  };
}

/** The tenant documents, built from the example tenant (the same hours, FAQ, assistant…). */
export function buildBulkTenants(
  set: BulkTenantSet,
  base: Record<string, unknown>,
): Record<string, unknown>[] {
  const timezone = typeof base.timezone === "string" ? base.timezone : "Australia/Sydney";
  return Array.from({ length: set.tenants }, (_, tenantIndex) => {
    const phoneNumbers = Array.from({ length: set.numbersPerTenant }, (_, offset) => {
      const dialed = bulkDialed(set, tenantIndex * set.numbersPerTenant + offset, timezone);
      return { vapiPhoneNumberId: dialed.vapiPhoneNumberId, number: dialed.number };
    });
    return {
      ...base,
      id: tenantId(tenantIndex),
      name: `Bench Plumbing ${tenantIndex + 1}`,
      phoneNumbers,
    };
  });
}
