import { z } from "zod";

/*
 * Query strings of the dashboard's pages. A bad value is dropped rather than refused: these come
 * from links and filter forms, and a page showing everything beats an error page.
 */

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .catch(undefined)
    .transform((value) => (value === "" ? undefined : value));

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
  .optional()
  .catch(undefined);

const offset = z.coerce.number().int().min(0).max(1_000_000).catch(0).default(0);

export const CallListQuerySchema = z.object({
  tenant: optionalText(63),
  status: optionalText(40),
  endedReason: optionalText(200),
  from: isoDate,
  to: isoDate,
  before: optionalText(300),
});
export type CallListQuery = z.infer<typeof CallListQuerySchema>;

export const TenantSearchQuerySchema = z.object({
  q: z.string().max(200).catch("").default(""),
  offset,
});

export const OffsetQuerySchema = z.object({ offset });

/** Only same-dashboard paths may be a post-login destination (no open redirect). */
export function safeNextPath(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  if (!/^\/dashboard(\/[^\\]*)?(\?.*)?$/.test(value) || value.includes("..")) return undefined;
  if (value.startsWith("/dashboard/login") || value.startsWith("/dashboard/logout"))
    return undefined;
  return value.length <= 500 ? value : undefined;
}
