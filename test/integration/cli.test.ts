import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { runCli } from "../../src/cli/main.js";
import { TenantDocumentSchema, type Tenant } from "../../src/tenants/tenant-document.js";

const EXAMPLE = fileURLToPath(
  new URL("../../examples/tenants/harbourside-plumbing.yaml", import.meta.url),
);

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "frontdesk-cli-"));
  folders.push(folder);
  return folder;
}

interface CliRun {
  code: number;
  out: string[];
  err: string[];
}

/** Runs the real CLI in-process against one SQLite file. */
function cliFor(databaseUrl: string) {
  return async (...argv: string[]): Promise<CliRun> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      argv,
      { DATABASE_URL: databaseUrl },
      {
        out: (line) => out.push(line),
        err: (line) => err.push(line),
      },
    );
    return { code, out, err };
  };
}

const doc = (id: string, number: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Tenant ${id}`,
  timezone: "Australia/Melbourne",
  phoneNumbers: [{ number }],
  hours: { mon: ["09:00-17:00"], tue: ["09:00-17:00"] },
  ...extra,
});

describe("frontdesk CLI", () => {
  let folder: string;
  let cli: ReturnType<typeof cliFor>;
  const file = (name: string, content: string) => {
    const path = join(folder, name);
    writeFileSync(path, content);
    return path;
  };
  const ids = async () => {
    const listed = await cli("tenants", "list", "--json");
    expect(listed.code).toBe(0);
    return (JSON.parse(listed.out.join("\n")) as { id: string }[]).map((row) => row.id);
  };

  beforeEach(() => {
    folder = tempFolder();
    cli = cliFor(join(folder, "data", "frontdesk.db"));
  });

  it("migrates a new database and says so", async () => {
    const run = await cli("migrate");
    expect(run.code).toBe(0);
    expect(run.out.join("\n")).toMatch(/up to date/);
    expect((await cli("migrate")).code).toBe(0);
  });

  it("imports the example YAML tenant, then updates it on re-import", async () => {
    const first = await cli("tenants", "import", EXAMPLE);
    expect(first).toMatchObject({ code: 0, err: [] });
    expect(first.out.join("\n")).toMatch(/imported 1 tenant\(s\): 1 created, 0 updated/);

    const again = await cli("tenants", "import", EXAMPLE);
    expect(again.out.join("\n")).toMatch(/0 created, 1 updated/);
    expect(await ids()).toEqual(["harbourside-plumbing"]);
  });

  it("shows a tenant as its validated JSON document", async () => {
    await cli("tenants", "import", EXAMPLE);
    const shown = await cli("tenants", "show", "harbourside-plumbing");
    expect(shown.code).toBe(0);
    const tenant = JSON.parse(shown.out.join("\n")) as Tenant;
    const expected = TenantDocumentSchema.parse(parseYaml(readFileSync(EXAMPLE, "utf8")));
    expect(tenant).toEqual(expected);
    expect(tenant.phoneNumbers[0]?.number).toBe("+61255501234");
  });

  it("imports a single JSON document and a JSON array", async () => {
    const single = file("one.json", JSON.stringify(doc("json-one", "+61 3 5550 0001")));
    const array = file(
      "many.json",
      JSON.stringify([doc("json-two", "+61355500002"), doc("json-three", "+61355500003")]),
    );
    const run = await cli("tenants", "import", single, array);
    expect(run.code).toBe(0);
    expect(run.out.join("\n")).toMatch(/imported 3 tenant\(s\): 3 created/);
    expect(await ids()).toEqual(["json-one", "json-three", "json-two"]);
    const shown = JSON.parse((await cli("tenants", "show", "json-one")).out.join("\n")) as Tenant;
    expect(shown.phoneNumbers[0]?.number).toBe("+61355500001");
  });

  it("rejects the same tenant id in two files and imports nothing", async () => {
    const first = file("a.json", JSON.stringify(doc("twice", "+61355500010")));
    const second = file("b.json", JSON.stringify(doc("twice", "+61355500011")));
    const run = await cli("tenants", "import", first, second);
    expect(run.code).toBe(1);
    expect(run.err.join("\n")).toContain('tenant "twice" is also defined in');
    expect(await ids()).toEqual([]);
  });

  it("imports a YAML array", async () => {
    const yaml = file(
      "many.yml",
      [
        "- id: yaml-one",
        "  name: Yaml One",
        "  timezone: Australia/Brisbane",
        "  phoneNumbers: [{ number: '+61755500001' }]",
        "  hours: { mon: ['08:00-16:00'] }",
        "- id: yaml-two",
        "  name: Yaml Two",
        "  timezone: Pacific/Auckland",
        "  hours: {}",
      ].join("\n"),
    );
    const run = await cli("tenants", "import", yaml);
    expect(run.code).toBe(0);
    expect(await ids()).toEqual(["yaml-one", "yaml-two"]);
  });

  it("lists tenants as text and as JSON", async () => {
    await cli(
      "tenants",
      "import",
      EXAMPLE,
      file("t.json", JSON.stringify(doc("acme", "+61355500009"))),
    );
    const text = await cli("tenants", "list");
    expect(text.out).toEqual([
      "acme\tTenant acme\tAustralia/Melbourne\t+61355500009",
      "harbourside-plumbing\tHarbourside Plumbing\tAustralia/Sydney\t+61255501234",
    ]);
    const json = JSON.parse((await cli("tenants", "list", "--json")).out.join("\n")) as unknown[];
    expect(json).toEqual([
      expect.objectContaining({ id: "acme", phoneNumbers: ["+61355500009"], version: 1 }),
      expect.objectContaining({ id: "harbourside-plumbing", timezone: "Australia/Sydney" }),
    ]);
  });

  it("says so when there are no tenants", async () => {
    expect((await cli("tenants", "list")).out).toEqual(["no tenants"]);
    expect(JSON.parse((await cli("tenants", "export")).out.join("\n"))).toEqual([]);
  });

  it("exports every tenant as a JSON array that imports back unchanged", async () => {
    await cli(
      "tenants",
      "import",
      EXAMPLE,
      file("t.json", JSON.stringify([doc("a1", "+61355500011"), doc("b2", "+61355500012")])),
    );
    const exported = await cli("tenants", "export");
    expect(exported.code).toBe(0);
    const documents = JSON.parse(exported.out.join("\n")) as Tenant[];
    expect(documents.map((tenant) => tenant.id)).toEqual(["a1", "b2", "harbourside-plumbing"]);

    const other = cliFor(join(tempFolder(), "copy.db"));
    const reimported = await other(
      "tenants",
      "import",
      file("export.json", exported.out.join("\n")),
    );
    expect(reimported.code).toBe(0);
    expect((await other("tenants", "export")).out).toEqual(exported.out);
  });

  it("deletes a tenant and its numbers", async () => {
    await cli("tenants", "import", EXAMPLE);
    const deleted = await cli("tenants", "delete", "harbourside-plumbing");
    expect(deleted).toMatchObject({ code: 0, out: ["deleted harbourside-plumbing"] });
    expect(await ids()).toEqual([]);
    expect((await cli("tenants", "delete", "harbourside-plumbing")).code).toBe(1);
    // The number is free again for another tenant.
    const reuse = await cli(
      "tenants",
      "import",
      file("reuse.json", JSON.stringify(doc("new-owner", "+61255501234"))),
    );
    expect(reuse.code).toBe(0);
  });

  it("fails show and delete for an unknown or missing id", async () => {
    expect(await cli("tenants", "show", "nobody")).toMatchObject({
      code: 1,
      err: ['no tenant "nobody"'],
    });
    expect((await cli("tenants", "show")).code).toBe(1);
    expect((await cli("tenants", "delete")).code).toBe(1);
  });

  describe("rejects invalid documents", () => {
    it("names the file and the path of every bad field, importing nothing", async () => {
      const bad = file(
        "mixed.json",
        JSON.stringify([
          doc("fine-tenant", "+61355500021"),
          doc("Bad Tenant", "0355500022", {
            hours: { mon: ["17:00-09:00"], thur: [] },
            timezone: "Mars/Base",
          }),
        ]),
      );
      const run = await cli("tenants", "import", bad);
      expect(run.code).toBe(1);
      const errors = run.err.join("\n");
      for (const path of [
        "1.id",
        "1.phoneNumbers.0.number",
        "1.hours.mon.0",
        "1.hours",
        "1.timezone",
      ]) {
        expect(errors).toContain(`${bad}: ${path}: `);
      }
      expect(errors).not.toContain(": 0.");
      expect(run.err.at(-1)).toBe("nothing was imported");
      expect(await ids()).toEqual([]);
    });

    it("imports nothing from any file when one of several files is invalid", async () => {
      const good = file("good.json", JSON.stringify(doc("good-one", "+61355500031")));
      const bad = file(
        "bad.yaml",
        "id: bad-one\nname: Bad\ntimezone: UTC\nhours:\n  mon: ['9am-5pm']\n",
      );
      const run = await cli("tenants", "import", good, bad);
      expect(run.code).toBe(1);
      expect(run.err).toContain(
        `${bad}: hours.mon.0: must be "HH:MM-HH:MM" with the end after the start, e.g. "07:00-17:00"`,
      );
      expect(run.err.some((line) => line.startsWith(good))).toBe(false);
      expect(await ids()).toEqual([]);
    });

    it("reports a file that does not parse", async () => {
      const run = await cli("tenants", "import", file("broken.yaml", "id: [unclosed\n"));
      expect(run.code).toBe(1);
      expect(run.err[0]).toMatch(/broken\.yaml: \(file\): cannot be parsed/);
    });

    it("rolls back the whole import when a number belongs to another tenant", async () => {
      await cli("tenants", "import", EXAMPLE);
      const clash = file(
        "clash.json",
        JSON.stringify([doc("newcomer", "+61355500041"), doc("thief", "+61 2 5550 1234")]),
      );
      const run = await cli("tenants", "import", clash);
      expect(run.code).toBe(1);
      expect(run.err.join("\n")).toMatch(/\+61255501234/);
      expect(await ids()).toEqual(["harbourside-plumbing"]);
    });

    it("rejects the same id twice in one file", async () => {
      const run = await cli(
        "tenants",
        "import",
        file(
          "dupe.json",
          JSON.stringify([doc("twin", "+61355500051"), doc("twin", "+61355500052")]),
        ),
      );
      expect(run.code).toBe(1);
      expect(run.err.join("\n")).toContain("1.id");
      expect(await ids()).toEqual([]);
    });

    it("reports a missing file without throwing", async () => {
      const run = await cli("tenants", "import", join(folder, "does-not-exist.yaml"));
      expect(run.code).toBe(1);
      expect(run.err.join("\n")).toContain("does-not-exist.yaml");
    });
  });

  describe("usage", () => {
    it("prints usage for help and fails without a command", async () => {
      const help = await cli("help");
      expect(help.code).toBe(0);
      expect(help.out.join("\n")).toContain("tenants import FILE");
      expect((await cli()).code).toBe(1);
    });

    it("fails on unknown commands and subcommands", async () => {
      expect((await cli("frobnicate")).code).toBe(1);
      expect((await cli("tenants", "frobnicate")).code).toBe(1);
      expect((await cli("tenants", "import")).code).toBe(1);
    });

    it("reports bad configuration instead of throwing", async () => {
      const err: string[] = [];
      const code = await runCli(
        ["migrate"],
        { DATABASE_URL: "x.db", LOG_LEVEL: "chatty" },
        {
          out: () => undefined,
          err: (line) => err.push(line),
        },
      );
      expect(code).toBe(1);
      expect(err.join("\n")).toContain("LOG_LEVEL");
    });
  });
});
