import { describe, expect, it } from "vitest";
import { AppError, ERROR_CATALOG, isAppError, toErrorBody } from "../../src/errors.js";

describe("AppError", () => {
  it("takes its status from the catalog", () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      const error = new AppError(code as keyof typeof ERROR_CATALOG, "x");
      expect(error.statusCode).toBe(entry.statusCode);
      expect(error.code).toBe(code);
      expect(isAppError(error)).toBe(true);
    }
    expect(isAppError(new Error("plain"))).toBe(false);
  });

  it("exposes 4xx messages and hides 5xx ones by default", () => {
    expect(new AppError("NOT_FOUND", "no tenant x").expose).toBe(true);
    expect(new AppError("INTERNAL", "db password wrong").expose).toBe(false);
    expect(new AppError("SERVICE_UNAVAILABLE", "retry", { expose: true }).expose).toBe(true);
  });

  it("keeps the cause", () => {
    const cause = new Error("root");
    expect(new AppError("INTERNAL", "x", { cause }).cause).toBe(cause);
  });
});

describe("toErrorBody", () => {
  it("is {error:{code,message,requestId}}", () => {
    expect(toErrorBody(new AppError("UNAUTHORIZED", "Bad signature."), "req-1")).toEqual({
      error: { code: "UNAUTHORIZED", message: "Bad signature.", requestId: "req-1" },
    });
  });

  it("replaces a hidden message with the catalog's meaning and drops details", () => {
    const body = toErrorBody(
      new AppError("INTERNAL", "connection to postgres://user:pw@db failed", {
        details: { pw: "pw" },
      }),
      "req-2",
    );
    expect(body).toEqual({
      error: { code: "INTERNAL", message: ERROR_CATALOG.INTERNAL.meaning, requestId: "req-2" },
    });
  });

  it("includes details of exposed errors", () => {
    const details = [{ path: "hours.mon.0", message: "bad" }];
    expect(
      toErrorBody(new AppError("VALIDATION_FAILED", "Invalid.", { details }), "r").error.details,
    ).toEqual(details);
  });
});
