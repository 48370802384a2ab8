import { describe, expect, it } from "vitest";
import { createTenantResolver } from "../../../src/tenants/resolve-tenant.js";
import type { Tenant } from "../../../src/tenants/tenant-document.js";
import type { StoredTenant, TenantRepo } from "../../../src/tenants/tenant-repo.js";
import { buildTenant } from "../../helpers/factories.js";

/**
 * A repo over an in-memory map of number → tenant, and a count of prepared tenants. A read takes
 * its copy when it starts; `gate()` holds reads open until the returned function is called.
 */
function setUp(maxEntries: number, bound: { maxBytes?: number; weigh?: () => number } = {}) {
  const owners = new Map<string, StoredTenant>();
  let held: Promise<void> | undefined;
  const repo = {
    findByNumber: async (e164: string) => {
      const seen = owners.get(e164);
      await held;
      return seen;
    },
    findByVapiPhoneNumberId: () => Promise.resolve(undefined),
    findById: () => Promise.resolve(undefined),
  } as unknown as TenantRepo;
  const prepared: string[] = [];
  const resolver = createTenantResolver<string>({
    repo,
    prepare: (tenant: Tenant) => {
      prepared.push(tenant.id);
      return tenant.id;
    },
    ttlSeconds: 300,
    maxEntries,
    ...bound,
    clock: { now: () => 0 },
  });
  const own = (number: string, tenant: Tenant, version = 1) =>
    owners.set(number, { tenant, version, updatedAt: `2026-12-06T00:00:0${version}Z` });
  const gate = () => {
    let release = () => undefined as void;
    held = new Promise<void>((resolve) => {
      release = resolve;
    });
    return () => {
      held = undefined;
      release();
    };
  };
  return { resolver, prepared, own, gate };
}

describe("tenant resolver", () => {
  it("prepares a tenant once for all its numbers", async () => {
    const { resolver, prepared, own } = setUp(100);
    const tenant = buildTenant();
    own("+61255500001", tenant);
    own("+61255500002", tenant);
    const first = await resolver.resolve({ number: "+61255500001" });
    const second = await resolver.resolve({ number: "+61255500002" });
    expect(second.resolved).toBe(first.resolved);
    expect(prepared).toEqual([tenant.id]);
  });

  it("lets go of a tenant once its last number has left the cache", async () => {
    const { resolver, prepared, own } = setUp(2);
    const [a, b] = [buildTenant(), buildTenant()];
    own("+61255500001", a);
    own("+61255500002", b);
    own("+61255500003", b);
    for (const number of ["+61255500001", "+61255500002", "+61255500003", "+61255500001"]) {
      await resolver.resolve({ number }); // the third evicts a's only number
    }
    expect(prepared).toEqual([a.id, b.id, a.id]);
  });

  it("files a number that moved under its new tenant, so the old one's changes leave it alone", async () => {
    const { resolver, own } = setUp(100);
    const [a, b] = [buildTenant(), buildTenant()];
    own("+61255500001", a);
    await resolver.resolve({ number: "+61255500001" });
    own("+61255500001", b);
    resolver.invalidate(a.id);
    expect(resolver.findFresh({ number: "+61255500001" })).toBeUndefined();
    expect((await resolver.resolve({ number: "+61255500001" })).resolved?.tenant.id).toBe(b.id);
    resolver.invalidate(a.id);
    expect(resolver.findFresh({ number: "+61255500001" })?.tenant.id).toBe(b.id);
    resolver.invalidate(b.id);
    expect(resolver.findFresh({ number: "+61255500001" })).toBeUndefined();
  });

  it("keeps the cached tenants within the byte bound, dropping the least recently used", async () => {
    // Each tenant weighs 10,000 bytes (+300 for its key): three fit, a fourth does not.
    const { resolver, prepared, own } = setUp(1000, { maxBytes: 35_000, weigh: () => 10_000 });
    const tenants = Array.from({ length: 5 }, () => buildTenant());
    tenants.forEach((tenant, index) => own(`+6125550000${index}`, tenant));
    for (const index of [0, 1, 2]) await resolver.resolve({ number: `+6125550000${index}` });
    expect(resolver.size).toBe(3);
    await resolver.resolve({ number: "+61255500000" }); // 0 is now the most recently used
    await resolver.resolve({ number: "+61255500003" }); // evicts 1, the least recently used
    expect(resolver.size).toBe(3);
    expect(resolver.findFresh({ number: "+61255500000" })?.tenant.id).toBe(tenants[0]?.id);
    expect(resolver.findFresh({ number: "+61255500001" })).toBeUndefined();
    await resolver.resolve({ number: "+61255500001" });
    expect(prepared).toEqual([
      tenants[0]?.id,
      tenants[1]?.id,
      tenants[2]?.id,
      tenants[3]?.id,
      tenants[1]?.id,
    ]);
  });

  it("does not keep a read that an invalidation overtook, and does not share it with later callers", async () => {
    const { resolver, own, gate } = setUp(100);
    const tenant = buildTenant({ name: "Before The Edit" });
    own("+61255500001", tenant, 1);
    const release = gate();
    const early = resolver.resolve({ number: "+61255500001" }); // reads the old copy, then waits
    own("+61255500001", { ...tenant, name: "After The Edit" }, 2);
    resolver.invalidate(tenant.id); // the edit lands while the read is out
    const late = resolver.resolve({ number: "+61255500001" }); // arrives after the change
    release();
    expect((await early).resolved?.tenant.name).toBe("Before The Edit");
    expect((await late).resolved?.tenant.name).toBe("After The Edit");
    expect(resolver.findFresh({ number: "+61255500001" })?.tenant.name).toBe("After The Edit");
  });

  it("stores a read overtaken by an invalidation as outdated, so the next call reads again", async () => {
    const { resolver, own, gate } = setUp(100);
    const tenant = buildTenant({ name: "Before The Edit" });
    own("+61255500001", tenant, 1);
    const release = gate();
    const early = resolver.resolve({ number: "+61255500001" });
    own("+61255500001", { ...tenant, name: "After The Edit" }, 2);
    resolver.invalidate(tenant.id);
    release();
    expect((await early).resolved?.tenant.name).toBe("Before The Edit");
    expect(resolver.findFresh({ number: "+61255500001" })).toBeUndefined();
    expect((await resolver.resolve({ number: "+61255500001" })).resolved?.tenant.name).toBe(
      "After The Edit",
    );
  });
});
