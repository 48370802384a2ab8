/*
 * Text formatting for the dashboard. Times are rendered on the server in UTC (or a tenant's zone)
 * inside <time datetime>, and the page script rewrites them into the viewer's own zone.
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "24 Nov 2026, 23:14 UTC" */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()] ?? ""} ${date.getUTCFullYear()}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

/** "2m 38s", "1h 02m", "45s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

/** USD, cents precision; sub-cent costs keep four decimals so they do not read as free. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return "—";
  if (usd !== 0 && Math.abs(usd) < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** "customer-ended-call" → "Customer ended call". */
export function humanize(code: string | null | undefined): string {
  if (code === null || code === undefined || code === "") return "—";
  const words = code.replace(/[-_.]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const STATUS_LABELS: Record<string, string> = {
  scheduled: "Scheduled",
  queued: "Queued",
  ringing: "Ringing",
  "in-progress": "In progress",
  forwarding: "Transferring",
  ended: "Ended",
};

export function statusLabel(status: string | null): string {
  if (status === null) return "Unknown";
  return STATUS_LABELS[status] ?? humanize(status);
}

/** Tone for a status badge (also conveyed by its text, never by colour alone). */
export function statusTone(status: string | null): "live" | "done" | "warn" | "muted" {
  if (status === "ended") return "done";
  if (status === "forwarding") return "warn";
  if (status === null) return "muted";
  return "live";
}

/** Ended reasons that mean something went wrong rather than a normal hang-up. */
export function isFailureReason(reason: string | null): boolean {
  if (reason === null) return false;
  return /error|fail|timeout|unavailable|not-found|silence-timed-out|pipeline|provider/i.test(
    reason,
  );
}

export function pluralize(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
