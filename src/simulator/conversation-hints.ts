/*
 * What a simulated caller can learn from the assistant it was given, the way a model would read
 * its prompt and tool results. Best effort: a server with other wording gets the defaults.
 */

const DEFAULT_TRIGGER = "gas smell";

/** The escalation triggers the prompt lists ("if the caller mentions any of: a, b, c, …"). */
export function findEmergencyTriggers(prompt: string | undefined): string[] {
  const match = /mentions any of: ([^\n]+?), first give/i.exec(prompt ?? "");
  return (match?.[1] ?? "")
    .split(",")
    .map((trigger) => trigger.trim())
    .filter((trigger) => trigger.length > 0);
}

/** The first escalation trigger the prompt lists, else "gas smell". */
export function pickEmergencyTrigger(prompt: string | undefined): string {
  return findEmergencyTriggers(prompt)[0] ?? DEFAULT_TRIGGER;
}

/** The services the prompt lists ("Services offered: a, b, c. Only offer …"). */
export function findServices(prompt: string | undefined): string[] {
  const match = /Services offered: ([^\n]+?)\. Only offer/i.exec(prompt ?? "");
  return (match?.[1] ?? "")
    .split(",")
    .map((service) => service.trim())
    .filter((service) => service.length > 0);
}

/** The listed service that best fits `wanted` (a shared word), if any. */
export function pickService(prompt: string | undefined, wanted: string): string | undefined {
  const words = wanted
    .toLowerCase()
    .split(/\W+/)
    .filter((word) => word.length > 3);
  return findServices(prompt).find((service) =>
    words.some((word) => service.toLowerCase().includes(word)),
  );
}

/**
 * The first bookable start in a check_availability (or book_appointment) answer, as
 * "YYYY-MM-DD HH:MM": either an explicit "(2026-11-25 13:00)" or the first time listed under a
 * day "Wednesday 25 November (2026-11-25): 9:00 am, 10:00 am".
 */
export function findFreeSlot(text: string): string | undefined {
  const explicit = /\((\d{4}-\d{2}-\d{2} \d{2}:\d{2})\)/.exec(text);
  if (explicit?.[1] !== undefined) return explicit[1];
  const day = /\((\d{4}-\d{2}-\d{2})\): (\d{1,2}):(\d{2}) (am|pm)/i.exec(text);
  if (day === null) return undefined;
  const [, date, hourText, minutes, half] = day;
  let hour = Number(hourText) % 12;
  if (half?.toLowerCase() === "pm") hour += 12;
  return `${date ?? ""} ${String(hour).padStart(2, "0")}:${minutes ?? "00"}`;
}

/** An ISO date `days` after the given instant's UTC date. */
export function isoDateAfter(nowMs: number, days: number): string {
  return new Date(nowMs + days * 86_400_000).toISOString().slice(0, 10);
}
