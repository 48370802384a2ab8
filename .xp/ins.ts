import SQLite from "better-sqlite3";
import { createDatabase, applySqliteSettings } from "../src/db/kysely.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { rmSync } from "node:fs";
import { randomUUID } from "node:crypto";
const file = "/tmp/xp-ins.db";
rmSync(file, { force: true }); rmSync(file + "-wal", { force: true }); rmSync(file + "-shm", { force: true });
const h = createDatabase({ url: file });
await migrateToLatest(h);
await h.close();
const db = new SQLite(file);
applySqliteSettings(db);
const now = new Date().toISOString();
db.prepare("insert into tenants (id, name, timezone, document, version, created_at, updated_at) values (?,?,?,?,?,?,?)").run("t1", "T", "UTC", "{}", 1, now, now);
const variants: Record<string, string> = {
  frontdesk: `insert into "tool_invocations" ("tenant_id", "tool_call_id", "call_id", "tool_name", "arguments", "outcome", "result", "created_at") values (?, ?, ?, ?, ?, ?, ?, ?) on conflict ("tenant_id", "tool_call_id") do nothing returning "tool_call_id"`,
  noReturning: `insert into "tool_invocations" ("tenant_id", "tool_call_id", "call_id", "tool_name", "arguments", "outcome", "result", "created_at") values (?, ?, ?, ?, ?, ?, ?, ?) on conflict ("tenant_id", "tool_call_id") do nothing`,
  orIgnore: `insert or ignore into "tool_invocations" ("tenant_id", "tool_call_id", "call_id", "tool_name", "arguments", "outcome", "result", "created_at") values (?, ?, ?, ?, ?, ?, ?, ?)`,
};
const args = JSON.stringify({ customerName: "Daniel Nguyen", callbackNumber: "+61491570156", suburb: "Marrickville", issueDescription: "Hot water system leaking in laundry; cold isolation tap turned off", urgency: "today" });
for (const round of [1, 2]) for (const fk of ["ON", "OFF"]) for (const [name, sqlText] of Object.entries(variants)) {
  db.pragma(`foreign_keys = ${fk}`);
  const st = db.prepare(sqlText);
  const N = 20000; let t = 0n;
  for (let b = 0; b < N / 50; b++) {
    db.exec("begin immediate");
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 50; i++) {
      const p = ["t1", randomUUID(), randomUUID(), "create_lead", args, "pending", "", now];
      if (st.reader) st.all(p); else st.run(p);
    }
    t += process.hrtime.bigint() - t0;
    db.exec("commit");
  }
  console.log(round, `fk=${fk}`, name, (Number(t) / 1000 / N).toFixed(1), "us/insert");
}
