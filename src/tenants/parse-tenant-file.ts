import { parse as parseYaml } from "yaml";
import {
  TenantDocumentSchema,
  toFieldIssues,
  type FieldIssue,
  type Tenant,
} from "./tenant-document.js";

export type ParseTenantsResult =
  { ok: true; tenants: Tenant[] } | { ok: false; issues: FieldIssue[] };

/**
 * Reads one tenant document or an array of them from JSON or YAML text and validates every one.
 * Any invalid document fails the whole file (nothing half-imported), listing each bad field.
 */
export function parseTenantFile(text: string, fileName: string): ParseTenantsResult {
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(fileName) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      issues: [
        {
          path: "(file)",
          message: `cannot be parsed: ${error instanceof Error ? error.message : String(error)}`,
        },
      ],
    };
  }
  const documents = Array.isArray(data) ? data : [data];
  const tenants: Tenant[] = [];
  const issues: FieldIssue[] = [];
  documents.forEach((document, index) => {
    const parsed = TenantDocumentSchema.safeParse(document);
    if (parsed.success) tenants.push(parsed.data);
    else issues.push(...toFieldIssues(parsed.error, Array.isArray(data) ? [index] : []));
  });
  const ids = new Map<string, number>();
  tenants.forEach((tenant, index) => {
    const first = ids.get(tenant.id);
    if (first !== undefined)
      issues.push({ path: `${index}.id`, message: `"${tenant.id}" appears twice in the file` });
    ids.set(tenant.id, index);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, tenants };
}
