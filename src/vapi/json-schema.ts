import type { Vapi } from "@vapi-ai/server-sdk";

const TYPES = new Set<Vapi.JsonSchemaType>([
  "string",
  "number",
  "integer",
  "boolean",
  "array",
  "object",
]);
const FORMATS = new Set<Vapi.JsonSchemaFormat>([
  "date-time",
  "time",
  "date",
  "duration",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "uuid",
]);

/**
 * Narrows a standard JSON Schema (from zod) to the subset Vapi's tool `parameters` accept, so the
 * assistant never carries keywords Vapi would reject. Bounds such as maxLength are still enforced
 * by the same zod schema when the arguments come back.
 */
export function toVapiParameters(schema: Record<string, unknown>): Vapi.OpenAiFunctionParameters {
  const converted = toVapiJsonSchema(schema);
  return {
    type: "object",
    properties: converted.properties ?? {},
    ...(converted.required === undefined ? {} : { required: converted.required }),
  };
}

function toVapiJsonSchema(schema: Record<string, unknown>): Vapi.JsonSchema {
  const type = pickType(schema);
  const result: Vapi.JsonSchema = { type };
  if (typeof schema.description === "string") result.description = schema.description;
  if (typeof schema.title === "string") result.title = schema.title;
  if (typeof schema.pattern === "string") result.pattern = schema.pattern;
  if (typeof schema.format === "string" && FORMATS.has(schema.format as Vapi.JsonSchemaFormat)) {
    result.format = schema.format as Vapi.JsonSchemaFormat;
  }
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === "string")) {
    result.enum = schema.enum;
  }
  if (type === "array" && isRecord(schema.items)) result.items = toVapiJsonSchema(schema.items);
  if (type === "object" && isRecord(schema.properties)) {
    result.properties = Object.fromEntries(
      Object.entries(schema.properties).flatMap(([key, value]) =>
        isRecord(value) ? [[key, toVapiJsonSchema(value)]] : [],
      ),
    );
    if (Array.isArray(schema.required) && schema.required.length > 0) {
      result.required = schema.required.filter((v): v is string => typeof v === "string");
    }
  }
  return result;
}

function pickType(schema: Record<string, unknown>): Vapi.JsonSchemaType {
  if (typeof schema.type === "string" && TYPES.has(schema.type as Vapi.JsonSchemaType)) {
    return schema.type as Vapi.JsonSchemaType;
  }
  if (Array.isArray(schema.enum)) return "string";
  return "string";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
