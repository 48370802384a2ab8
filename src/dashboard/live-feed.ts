import type { DashboardReader, LiveSnapshot, Overview, Scope } from "./dashboard-reader.js";
import { pluralize } from "./format.js";
import { liveCard, type LiveSection } from "./views/live-page.js";

/** What one event-stream message carries: changed cards and the order of both lists. */
export interface LiveUpdate {
  cards: Record<string, string>;
  order: Record<LiveSection, string[]>;
  /** A short sentence for screen readers when the number of live calls changes. */
  announce: string | undefined;
  /** The headline counts, when they changed. */
  stats: Overview | undefined;
}

/** What the feed hands each viewer: the live calls and the headline counts. */
export interface LiveState {
  snapshot: LiveSnapshot;
  overview: Overview;
}

// The counts scan more rows than the live lists; every fifth poll keeps them fresh enough.
const OVERVIEW_EVERY_POLLS = 5;

export interface LiveFeedOptions {
  reader: Pick<DashboardReader, "liveSnapshot" | "overview">;
  /** How often the database is asked while someone watches. Default 1000 ms. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

export interface LiveFeed {
  /**
   * Calls `listener` with a fresh snapshot at once and then every interval while subscribed.
   * Returns the unsubscribe function.
   */
  subscribe(scope: Scope, listener: (state: LiveState) => void): () => void;
  /** Stops every timer (app shutdown). */
  close(): void;
}

interface Poller {
  scope: Scope;
  listeners: Set<(state: LiveState) => void>;
  timer: NodeJS.Timeout;
  busy: boolean;
  polls: number;
  overview: Overview | undefined;
}

/**
 * The live view's data source. It polls the database rather than listening in-process, so a
 * call handled by any worker or instance shows up; one poll per scope per interval serves every
 * viewer of that scope, and nothing is polled while nobody watches.
 */
export function createLiveFeed(options: LiveFeedOptions): LiveFeed {
  const intervalMs = options.intervalMs ?? 1000;
  const pollers = new Map<string, Poller>();

  async function poll(poller: Poller): Promise<void> {
    if (poller.busy) return;
    poller.busy = true;
    try {
      const refresh = poller.overview === undefined || poller.polls % OVERVIEW_EVERY_POLLS === 0;
      poller.polls += 1;
      const [snapshot, overview] = await Promise.all([
        options.reader.liveSnapshot(poller.scope),
        refresh ? options.reader.overview(poller.scope) : poller.overview,
      ]);
      if (overview === undefined) return;
      poller.overview = overview;
      for (const listener of poller.listeners) listener({ snapshot, overview });
    } catch (error) {
      options.onError?.(error);
    } finally {
      poller.busy = false;
    }
  }

  return {
    subscribe(scope, listener) {
      const key = scope.tenantId ?? "*";
      let poller = pollers.get(key);
      if (poller === undefined) {
        const created: Poller = {
          scope,
          listeners: new Set(),
          busy: false,
          polls: 0,
          overview: undefined,
          timer: setInterval(() => void poll(created), intervalMs),
        };
        created.timer.unref();
        pollers.set(key, created);
        poller = created;
      }
      poller.listeners.add(listener);
      Promise.all([options.reader.liveSnapshot(scope), options.reader.overview(scope)]).then(
        ([snapshot, overview]) => listener({ snapshot, overview }),
        (error: unknown) => options.onError?.(error),
      );
      const owner = poller;
      return () => {
        owner.listeners.delete(listener);
        if (owner.listeners.size === 0) {
          clearInterval(owner.timer);
          pollers.delete(key);
        }
      };
    },

    close() {
      for (const poller of pollers.values()) clearInterval(poller.timer);
      pollers.clear();
    },
  };
}

/**
 * Per connection: turns snapshots into updates carrying only the cards that changed since the
 * last one sent, or undefined when nothing did.
 */
export function createLiveDiffer(
  showTenant: boolean,
): (state: LiveState) => LiveUpdate | undefined {
  let sentCards = new Map<string, string>();
  let sentOrder = "";
  let sentActive: number | undefined;
  let sentStats = "";
  return ({ snapshot, overview }) => {
    const cards: Record<string, string> = {};
    const current = new Map<string, string>();
    const sections: [LiveSection, typeof snapshot.active][] = [
      ["active", snapshot.active],
      ["recent", snapshot.recent],
    ];
    for (const [section, calls] of sections) {
      for (const call of calls) {
        const markup = liveCard(call, section, showTenant).value;
        current.set(call.id, markup);
        if (sentCards.get(call.id) !== markup) cards[call.id] = markup;
      }
    }
    const order = {
      active: snapshot.active.map((call) => call.id),
      recent: snapshot.recent.map((call) => call.id),
    };
    const orderKey = JSON.stringify(order);
    const statsKey = JSON.stringify(overview);
    if (Object.keys(cards).length === 0 && orderKey === sentOrder && statsKey === sentStats) {
      return undefined;
    }
    const stats = statsKey === sentStats ? undefined : overview;
    sentStats = statsKey;
    const activeCount = order.active.length;
    const announce =
      sentActive !== undefined && sentActive !== activeCount
        ? `${pluralize(activeCount, "call")} in progress`
        : undefined;
    sentCards = current;
    sentOrder = orderKey;
    sentActive = activeCount;
    return { cards, order, announce, stats };
  };
}
