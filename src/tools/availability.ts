import { findBusyIntervals } from "./booking-store.js";
import {
  computeFreeSlots,
  localDateOf,
  localDatesToInterval,
  MAX_RANGE_DAYS,
  slotRulesFor,
  type Interval,
} from "./slots.js";
import type { ToolContext } from "./tool-definition.js";

/** Free slots of the context's tenant between two local dates (inclusive), from the database. */
export async function loadFreeSlots(
  ctx: ToolContext,
  fromDate: string,
  toDate: string,
): Promise<Interval[]> {
  const rules = slotRulesFor(ctx.tenant);
  const within = localDatesToInterval(rules.timezone, fromDate, toDate);
  const busy = await findBusyIntervals(ctx.db, ctx.tenant.id, within);
  return computeFreeSlots(rules, { fromDate, toDate, nowMs: ctx.clock.now(), busy });
}

/** The next free slots starting after an instant, looking up to two weeks ahead of it. */
export async function loadNextFreeSlots(
  ctx: ToolContext,
  afterMs: number,
  limit: number,
): Promise<Interval[]> {
  const timezone = ctx.tenant.timezone;
  const fromMs = Math.max(afterMs, ctx.clock.now());
  const fromDate = localDateOf(timezone, fromMs);
  const toDate = localDateOf(timezone, fromMs + (MAX_RANGE_DAYS - 1) * 24 * 60 * 60_000);
  const free = await loadFreeSlots(ctx, fromDate, toDate);
  return free.filter((slot) => slot.startMs > afterMs).slice(0, limit);
}
