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
  const ids = new Set<string>();
  documents.forEach((document, index) => {
    const parsed = TenantDocumentSchema.safeParse(document);
    if (!parsed.success) {
      issues.push(...toFieldIssues(parsed.error, Array.isArray(data) ? [index] : []));
      return;
    }
    // Paths use the index in the file, not among the valid documents.
    if (ids.has(parsed.data.id)) {
      issues.push({
        path: `${index}.id`,
        message: `"${parsed.data.id}" appears twice in the file`,
      });
    }
    ids.add(parsed.data.id);
    tenants.push(parsed.data);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, tenants };
}
