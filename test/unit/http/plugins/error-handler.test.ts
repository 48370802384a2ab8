import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../../../../src/errors.js";
import { toAppError } from "../../../../src/http/plugins/error-handler.js";

const fastifyError = (code: string, statusCode: number, message = code) =>
  Object.assign(new Error(message), { code, statusCode });

describe("toAppError", () => {
  it("returns an AppError unchanged", () => {
    const error = new AppError("CONFLICT", "taken");
    expect(toAppError(error)).toBe(error);
  });

  it("maps a zod error to VALIDATION_FAILED with each path", () => {
    const parsed = z
      .object({ a: z.object({ b: z.number() }), c: z.string() })
      .safeParse({ a: { b: "x" } });
    if (parsed.success) throw new Error("expected failure");
    const error = toAppError(parsed.error);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.statusCode).toBe(400);
    expect((error.details as { path: string }[]).map((d) => d.path)).toEqual(["a.b", "c"]);
  });

  it.each([
    ["FST_ERR_CTP_BODY_TOO_LARGE", 413, "PAYLOAD_TOO_LARGE"],
    ["FST_ERR_CTP_INVALID_MEDIA_TYPE", 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["FST_ERR_CTP_EMPTY_JSON_BODY", 400, "BAD_JSON"],
    ["FST_ERR_CTP_INVALID_JSON_BODY", 400, "BAD_JSON"],
    ["FST_ERR_VALIDATION", 400, "VALIDATION_FAILED"],
  ])("maps Fastify's %s to our code", (code, statusCode, expected) => {
    const error = toAppError(fastifyError(code, statusCode));
    expect(error.code).toBe(expected);
    expect(error.statusCode).toBe(statusCode);
  });

  it("maps a JSON SyntaxError with status 400 to BAD_JSON", () => {
    const error = Object.assign(new SyntaxError("Unexpected token"), { statusCode: 400 });
    expect(toAppError(error).code).toBe("BAD_JSON");
  });

  it("maps other client errors to INVALID_PAYLOAD", () => {
    expect(toAppError(fastifyError("FST_SOMETHING", 400, "bad")).code).toBe("INVALID_PAYLOAD");
  });

  it("hides anything else behind a 500 INTERNAL", () => {
    for (const thrown of [
      new Error("secret detail"),
      "a string",
      undefined,
      fastifyError("X", 502),
    ]) {
      const error = toAppError(thrown);
      expect(error.code).toBe("INTERNAL");
      expect(error.statusCode).toBe(500);
      expect(error.expose).toBe(false);
    }
  });
});
