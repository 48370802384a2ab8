import type { FieldIssue, Tenant } from "../tenants/tenant-document.js";
import { isPlainObject } from "./merge-patch.js";

const MASK_PREFIX = "••••";
const VISIBLE_CHARS = 4;
const SECRET_LISTS = ["secrets", "hmacSecrets"] as const;

/**
 * `••••` plus the last four characters. Real secrets are at least 16 characters, so a masked
 * value (at most 8) can never be mistaken for a new secret when a client sends it back.
 */
export function maskSecret(secret: string): string {
  return `${MASK_PREFIX}${secret.slice(-VISIBLE_CHARS)}`;
}

function isMasked(value: string): boolean {
  return value.startsWith(MASK_PREFIX) && value.length <= MASK_PREFIX.length + VISIBLE_CHARS;
}

/** The tenant as the admin API shows it: webhook credentials masked, everything else as stored. */
export function maskTenantSecrets(tenant: Tenant): Tenant {
  let masked = tenant;
  if (tenant.vapiAuth !== undefined) {
    masked = {
      ...masked,
      vapiAuth: {
        secrets: tenant.vapiAuth.secrets.map(maskSecret),
        hmacSecrets: tenant.vapiAuth.hmacSecrets.map(maskSecret),
      },
    };
  }
  if (tenant.notify !== undefined) {
    masked = { ...masked, notify: { ...tenant.notify, secret: maskSecret(tenant.notify.secret) } };
  }
  return masked;
}

/** Puts the stored notification signing secret back where the input carries its masked form. */
function restoreNotifySecret(
  input: Record<string, unknown>,
  stored: Tenant["notify"],
  issues: FieldIssue[],
): Record<string, unknown> {
  const notify = input.notify;
  if (!isPlainObject(notify) || typeof notify.secret !== "string" || !isMasked(notify.secret)) {
    return input;
  }
  if (stored === undefined || maskSecret(stored.secret) !== notify.secret) {
    issues.push({
      path: "notify.secret",
      message: "is a masked value that matches no stored secret; send the full secret",
    });
    return input;
  }
  return { ...input, notify: { ...notify, secret: stored.secret } };
}

/**
 * Puts the stored secrets back where an incoming document (PUT body, merge-patch result) carries
 * their masked form, so a GET-edit-PUT round trip keeps credentials without ever exposing them.
 * A masked value is matched only within the same list; each stored secret is used once, so two
 * masks with the same last four characters map to two distinct stored secrets. Unrecognisable
 * shapes are left alone for the schema to report.
 */
export function restoreMaskedSecrets(
  input: unknown,
  storedTenant: Tenant | undefined,
): { value: unknown; issues: FieldIssue[] } {
  if (!isPlainObject(input)) return { value: input, issues: [] };
  const issues: FieldIssue[] = [];
  input = restoreNotifySecret(input, storedTenant?.notify, issues);
  if (!isPlainObject(input) || !isPlainObject(input.vapiAuth)) return { value: input, issues };
  const stored = storedTenant?.vapiAuth;
  const vapiAuth: Record<string, unknown> = { ...input.vapiAuth };
  for (const list of SECRET_LISTS) {
    const incoming = vapiAuth[list];
    if (!Array.isArray(incoming)) continue;
    const unused = [...(stored?.[list] ?? [])];
    vapiAuth[list] = incoming.map((item: unknown, index) => {
      if (typeof item !== "string" || !isMasked(item)) return item;
      const match = unused.findIndex((secret) => maskSecret(secret) === item);
      if (match === -1) {
        issues.push({
          path: `vapiAuth.${list}.${index}`,
          message: "is a masked value that matches no stored secret; send the full secret",
        });
        return item;
      }
      return unused.splice(match, 1)[0];
    });
  }
  return { value: { ...input, vapiAuth }, issues };
}
