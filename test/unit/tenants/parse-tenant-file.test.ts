import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseTenantFile } from "../../../src/tenants/parse-tenant-file.js";

const EXAMPLE = readFileSync(
  new URL("../../../examples/tenants/harbourside-plumbing.yaml", import.meta.url),
  "utf8",
);

const doc = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Tenant ${id}`,
  timezone: "Australia/Sydney",
  hours: { mon: ["09:00-17:00"] },
  ...extra,
});

describe("parseTenantFile", () => {
  it("reads the example YAML tenant", () => {
    const result = parseTenantFile(EXAMPLE, "harbourside-plumbing.yaml");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.tenants).toHaveLength(1);
    expect(result.tenants[0]).toMatchObject({
      id: "harbourside-plumbing",
      timezone: "Australia/Sydney",
      phoneNumbers: [{ number: "+61255501234" }],
    });
  });

  it("reads a single JSON document and a JSON array", () => {
    const single = parseTenantFile(JSON.stringify(doc("a")), "a.json");
    expect(single.ok && single.tenants.map((t) => t.id)).toEqual(["a"]);
    const many = parseTenantFile(JSON.stringify([doc("a"), doc("b")]), "many.JSON");
    expect(many.ok && many.tenants.map((t) => t.id)).toEqual(["a", "b"]);
  });

  it("reads a YAML array, with either extension spelling", () => {
    const yaml = `- id: a\n  name: A\n  timezone: UTC\n  hours: {mon: ["09:00-17:00"]}\n- id: b\n  name: B\n  timezone: UTC\n  hours: {}\n`;
    for (const name of ["t.yaml", "t.yml", "T.YML"]) {
      const result = parseTenantFile(yaml, name);
      expect(result.ok && result.tenants.map((t) => t.id)).toEqual(["a", "b"]);
    }
  });

  it("reports unparsable files as a file-level issue", () => {
    const json = parseTenantFile("{ not json", "bad.json");
    expect(json).toMatchObject({ ok: false, issues: [{ path: "(file)" }] });
    const yaml = parseTenantFile("id: [unclosed", "bad.yaml");
    expect(yaml).toMatchObject({ ok: false, issues: [{ path: "(file)" }] });
  });

  it("fails the whole file when one document is invalid, naming each bad field by index", () => {
    const result = parseTenantFile(
      JSON.stringify([doc("good"), doc("bad", { timezone: "Nowhere", hours: { mon: ["9-5"] } })]),
      "mixed.json",
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path).sort()).toEqual([
      "1.hours.mon.0",
      "1.timezone",
    ]);
  });

  it("uses plain field paths for a single document", () => {
    const result = parseTenantFile(
      JSON.stringify(doc("x", { phoneNumbers: [{ number: "12" }] })),
      "x.json",
    );
    expect(result).toMatchObject({ ok: false, issues: [{ path: "phoneNumbers.0.number" }] });
  });

  it("rejects a tenant id that appears twice, pointing at the second document", () => {
    const result = parseTenantFile(JSON.stringify([doc("a"), doc("b"), doc("a")]), "dupes.json");
    expect(result).toEqual({
      ok: false,
      issues: [{ path: "2.id", message: '"a" appears twice in the file' }],
    });
  });

  it("points at the right document for a repeated id even after an invalid one", () => {
    const result = parseTenantFile(
      JSON.stringify([doc("Bad Id"), doc("a"), doc("a")]),
      "dupes.json",
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual(["0.id", "2.id"]);
  });

  it("rejects empty and scalar files", () => {
    expect(parseTenantFile("", "empty.yaml")).toMatchObject({ ok: false });
    expect(parseTenantFile('"just text"', "s.json")).toMatchObject({
      ok: false,
      issues: [{ path: "(root)" }],
    });
  });
});
