import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createLoggerOptions, generateRequestId } from "../../src/logging.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("generateRequestId", () => {
  it("reuses a short id made of safe characters", () => {
    for (const id of [
      "req-123",
      "abc.DEF_42:7",
      "a".repeat(128),
      "0f8fad5b-d9cb-469f-a165-70867728950e",
    ]) {
      expect(generateRequestId(id)).toBe(id);
    }
  });

  it("takes the first of repeated headers", () => {
    expect(generateRequestId(["first-id", "second-id"])).toBe("first-id");
  });

  it("replaces a missing, empty, long or unsafe id with a UUID", () => {
    for (const id of [
      undefined,
      "",
      "a".repeat(129),
      "has space",
      "<script>",
      "id\nforged",
      "ümlaut",
      "a/b",
      "x;y",
      "{}",
    ]) {
      expect(generateRequestId(id)).toMatch(UUID);
    }
  });

  it("mints a different id each time", () => {
    expect(generateRequestId(undefined)).not.toBe(generateRequestId(undefined));
  });
});

describe("createLoggerOptions", () => {
  function capture(level = "info") {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
        done();
      },
    });
    return { logger: pino(createLoggerOptions({ level, pretty: false }), stream), lines };
  }

  it("redacts secrets, auth headers, caller numbers and transcripts", () => {
    const { logger, lines } = capture();
    logger.info(
      {
        req: {
          headers: {
            authorization: "Bearer s3cret",
            "x-vapi-secret": "s3cret",
            "x-signature": "abc",
            cookie: "c",
          },
        },
        headers: { authorization: "Bearer s3cret", "x-vapi-secret": "s3cret" },
        secret: "s3cret",
        token: "t0ken",
        callerNumber: "+61491570156",
        transcript: "my address is 1 Main St",
        nested: {
          secret: "s3cret",
          token: "t0ken",
          password: "p",
          callerNumber: "+61491570156",
          transcript: "hi",
        },
      },
      "hello",
    );
    const text = JSON.stringify(lines);
    for (const leaked of ["s3cret", "t0ken", "+61491570156", "1 Main St", "Bearer"]) {
      expect(text).not.toContain(leaked);
    }
    expect(lines[0]).toMatchObject({ service: "frontdesk", msg: "hello", secret: "[redacted]" });
  });

  it("honours the level", () => {
    const { logger, lines } = capture("warn");
    logger.info("quiet");
    logger.warn("loud");
    expect(lines.map((line) => line.msg)).toEqual(["loud"]);
  });

  it("uses pino-pretty only when asked", () => {
    expect(createLoggerOptions({ level: "info", pretty: false }).transport).toBeUndefined();
    expect(createLoggerOptions({ level: "info", pretty: true }).transport).toMatchObject({
      target: "pino-pretty",
    });
  });
});
