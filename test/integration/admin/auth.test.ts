import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/start-server.js";
import { availableStores } from "../../helpers/test-database.js";
import { ADMIN_TOKEN, adminClient, type AdminCall, type ErrorResponse } from "./admin-client.js";

describe.each(await availableStores())("admin API authentication (%s)", (store) => {
  let server: TestServer;
  let call: AdminCall;

  beforeAll(async () => {
    server = await startTestServer({ store, env: { ADMIN_TOKEN } });
    call = adminClient(server);
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers the right bearer token", async () => {
    const response = await call("GET", "/tenants");
    expect(response.status).toBe(200);
  });

  it("rejects a request without Authorization with 401 in the standard error shape", async () => {
    const response = await call<ErrorResponse>("GET", "/tenants", { token: null });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: {
        code: "UNAUTHORIZED",
        message: expect.any(String) as string,
        requestId: response.headers.get("x-request-id"),
      },
    });
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
  });

  it.each([
    ["a wrong token of the same length", `Bearer ${ADMIN_TOKEN.slice(0, -1)}x`],
    ["a prefix of the token", `Bearer ${ADMIN_TOKEN.slice(0, 8)}`],
    ["the token plus extra characters", `Bearer ${ADMIN_TOKEN}x`],
    ["another scheme", `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString("base64")}`],
    ["the bare token without a scheme", ADMIN_TOKEN],
  ])("rejects %s with 401", async (_case, authorization) => {
    const response = await call<ErrorResponse>("GET", "/tenants", {
      token: null,
      headers: { authorization },
    });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("UNAUTHORIZED");
  });

  it("answers a method a parametric route lacks with 405 and the methods it has", async () => {
    const response = await call<ErrorResponse>("POST", "/tenants/some-tenant", { body: {} });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("DELETE, GET, HEAD, PATCH, PUT");
    expect(response.body.error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("accepts the scheme name in any case", async () => {
    const response = await call("GET", "/tenants", {
      token: null,
      headers: { authorization: `bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
  });

  it("checks the token before reading the body", async () => {
    const response = await call<ErrorResponse>("POST", "/tenants", {
      token: "wrong-token-wrong-token",
      body: "{not json",
    });
    expect(response.status).toBe(401);
  });

  it("protects every route, openapi.json and writes included", async () => {
    for (const [method, path] of [
      ["GET", "/openapi.json"],
      ["GET", "/tenants/any"],
      ["DELETE", "/tenants/any"],
      ["POST", "/tenants/any/phone-numbers"],
      ["DELETE", "/tenants/any/phone-numbers/%2B61255501234"],
    ] as const) {
      const response = await call<ErrorResponse>(method, path, { token: null });
      expect(response.status, `${method} ${path}`).toBe(401);
    }
  });

  it("never logs the token", () => {
    expect(JSON.stringify(server.logs)).not.toContain(ADMIN_TOKEN);
  });
});

describe("admin API without ADMIN_TOKEN", () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it.each([
    ["unset", undefined],
    ["blank", "  "],
  ])(
    "is not registered at all when the token is %s: every path is a standard 404",
    async (_case, token) => {
      const server = await startTestServer({ env: { ADMIN_TOKEN: token } });
      servers.push(server);
      const call = adminClient(server);
      for (const [method, path] of [
        ["GET", "/tenants"],
        ["GET", "/openapi.json"],
        ["POST", "/tenants"],
      ] as const) {
        const response = await call<ErrorResponse>(method, path, {
          body: method === "POST" ? {} : undefined,
        });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body.error).toMatchObject({
          code: "NOT_FOUND",
          requestId: expect.any(String),
        });
      }
    },
  );
});
