import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assistantRequest } from "../fixtures/vapi/builders.js";
import { buildTenant } from "../helpers/factories.js";
import {
  createProcessDatabase,
  isListeningLine,
  type ProcessDatabase,
} from "../helpers/server-process.js";
import { killTsxProcesses, spawnTsxProcess, type TsxProcess } from "../helpers/tsx-process.js";

/*
 * `frontdesk serve --workers 2` on SQLite without Redis, as a small business runs it on one
 * machine: both workers answer on one port, an edit made through one worker's admin API reaches
 * the other within about a second, and SIGTERM stops the group with exit code 0.
 */

const SECRET = "cluster-test-secret-51c7";
const ADMIN_TOKEN = "cluster-test-admin-token-0e9a";
const WORKERS = 2;

/** One request on a connection of its own, so the cluster spreads them over its workers. */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string,
) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent: false,
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.once("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
        response.once("error", reject);
      },
    );
    request.once("error", reject);
    request.end(body);
  });
}

describe("serve --workers 2 without Redis", () => {
  let database: ProcessDatabase;
  let cluster: TsxProcess;
  let port: number;

  beforeAll(async () => {
    database = await createProcessDatabase("sqlite");
    cluster = spawnTsxProcess(
      "src/cli/main.ts",
      {
        NODE_ENV: "test",
        LOG_LEVEL: "info",
        HOST: "127.0.0.1",
        PORT: "0",
        DATABASE_URL: database.url,
        VAPI_SECRET: SECRET,
        ADMIN_TOKEN,
      },
      ["serve", "--workers", String(WORKERS)],
    );
    await cluster.waitForLine(isListeningLine, 60_000); // rejects if the group fails to start
    const deadline = Date.now() + 60_000;
    while (cluster.lines.filter(isListeningLine).length < WORKERS && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const listening = cluster.lines.filter(isListeningLine);
    expect(listening).toHaveLength(WORKERS);
    const ports = new Set(
      listening.map((line) => new URL(String(line.msg).replace("Server listening at ", "")).port),
    );
    expect(ports.size).toBe(1); // one port, shared
    port = Number([...ports][0]);
  }, 90_000);
  afterAll(async () => {
    await killTsxProcesses();
    await database.drop();
  });

  const names = async (number: string | undefined, times: number) => {
    const seen: unknown[] = [];
    for (let index = 0; index < times; index += 1) {
      const response = await send(
        port,
        "POST",
        "/vapi/webhook",
        { "content-type": "application/json", "x-vapi-secret": SECRET },
        JSON.stringify(assistantRequest({ number })),
      );
      expect(response.status).toBe(200);
      seen.push(
        (JSON.parse(response.body) as { assistant?: { metadata?: { tenantName?: string } } })
          .assistant?.metadata?.tenantName,
      );
    }
    return seen;
  };

  it("brings an admin edit made on one worker to every worker within about a second", async () => {
    const tenant = buildTenant({ name: "Before Any Edit" });
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const created = await send(
      port,
      "POST",
      "/admin/v1/tenants",
      { ...admin, "content-type": "application/json" },
      JSON.stringify(tenant),
    );
    expect(created.status).toBe(201);
    const number = tenant.phoneNumbers[0]?.number;
    // Connections are spread over the workers: ask until both have read (and hold) the tenant.
    const lookups = () =>
      cluster.lines.filter((line) => line.msg === "vapi webhook" && line.cacheTier === "database")
        .length;
    for (let round = 0; round < 10 && lookups() < WORKERS; round += 1) {
      expect(new Set(await names(number, 4))).toEqual(new Set(["Before Any Edit"]));
    }
    expect(lookups()).toBe(WORKERS);

    const patched = await send(
      port,
      "PATCH",
      `/admin/v1/tenants/${tenant.id}`,
      { ...admin, "content-type": "application/merge-patch+json" },
      JSON.stringify({ name: "After The Edit" }),
    );
    expect(patched.status).toBe(200);

    const deadline = Date.now() + 3000;
    let seen: unknown[] = [];
    while (Date.now() < deadline) {
      seen = await names(number, 6);
      if (seen.every((name) => name === "After The Edit")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen).toEqual(Array(6).fill("After The Edit"));
  });

  it("stops every worker on SIGTERM and exits 0", async () => {
    cluster.signal("SIGTERM");
    expect(await cluster.exited).toEqual({ code: 0, signal: null });
  });
});
