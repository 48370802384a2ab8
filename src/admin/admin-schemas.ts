import { z } from "zod";
import { ERROR_CATALOG, type ErrorCode } from "../errors.js";
import { TenantDocumentSchema } from "../tenants/tenant-document.js";

/*
 * The admin API's request and response shapes. Requests are parsed with these schemas; responses
 * are typed by them (the service returns their inferred types); the OpenAPI document is generated
 * from them. One definition each, so the three cannot drift apart.
 */

// 500 keeps one page's phone-number query and JSON answer small; the CLI pages at the same size.
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

export const ListTenantsQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe(`Page size, 1 to ${MAX_PAGE_SIZE}.`),
  cursor: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("The `nextCursor` of the previous page; omit for the first page."),
});

export const TenantSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  timezone: z.string(),
  version: z.number().int().min(1),
  phoneNumbers: z.array(z.string()).describe("E.164 numbers, sorted."),
  updatedAt: z.string().describe("ISO-8601 UTC."),
});

export const TenantListSchema = z.object({
  data: z.array(TenantSummarySchema).describe("Tenants ordered by id."),
  nextCursor: z
    .string()
    .nullable()
    .describe("Pass as `cursor` for the next page; null at the end."),
});
export type TenantList = z.infer<typeof TenantListSchema>;

export const TenantResourceSchema = z
  .object({
    // Not `.describe()`d here: that would clone the schema and inline it instead of a $ref.
    document: TenantDocumentSchema,
    version: z.number().int().min(1).describe("Increments on every change; also the ETag."),
    updatedAt: z.string().describe("ISO-8601 UTC."),
  })
  .describe(
    "A tenant document with defaults applied. `vapiAuth` secrets are masked (••••1234); send a masked value back unchanged to keep that secret.",
  );
export type TenantResource = z.infer<typeof TenantResourceSchema>;

export const FieldIssueSchema = z.object({
  path: z.string().describe('Dotted path into the body or query ("hours.mon.0"), or "(root)".'),
  message: z.string(),
});

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CATALOG) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    requestId: z.string(),
    details: z
      .unknown()
      .optional()
      .describe("For VALIDATION_FAILED, an array of FieldIssue; otherwise code-specific."),
  }),
});
