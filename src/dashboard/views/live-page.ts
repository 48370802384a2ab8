import type { LiveCall, LiveSnapshot, Overview } from "../dashboard-reader.js";
import { formatDuration, humanize, pluralize } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import { callHref, phone, statusBadge, timeTag } from "./components.js";
import { layout, type PageContext } from "./layout.js";

export type LiveSection = "active" | "recent";

/** One call in the live view; also what the event stream sends when a call changes. */
export function liveCard(call: LiveCall, section: LiveSection, showTenant: boolean): SafeHtml {
  const started = call.startedAt ?? call.createdAt;
  return html`<li
    class="live-card"
    id="live-${call.id}"
    data-call-id="${call.id}"
    data-section="${section}"
  >
    <div class="top">
      <a class="who" href="${callHref(call.id)}"
        >${call.leadName ?? call.callerNumber ?? "Unknown caller"}</a
      >${statusBadge(call.status)}
    </div>
    <div class="meta">
      ${showTenant ? html`<span>${call.tenantName}</span>` : ""}<span>${phone(call.callerNumber)}</span>${
        section === "active"
          ? html`<span
              >Started ${timeTag(started, "time")} · <span data-since="${started}">…</span></span
            >`
          : html`<span>${timeTag(started, "time")} · ${formatDuration(call.durationSeconds)}</span
              >${call.endedReason === null ? "" : html`<span>${humanize(call.endedReason)}</span>`}`
      }
    </div>
    ${call.leadName === null ? "" : html`<div class="lead">Lead: <strong>${call.leadName}</strong>${call.leadService === null ? "" : ` · ${call.leadService}`}</div>`}
    ${
      call.lastTool === null
        ? ""
        : html`<div class="meta">
            <span
              >${pluralize(call.toolCount, "tool call")} · last <code>${call.lastTool}</code></span
            >${call.transferredTo === null ? "" : html`<span>Transferred to ${call.transferredTo}</span>`}
          </div>`
    }
    ${section === "recent" && call.summary !== null ? html`<div class="summary">${call.summary}</div>` : ""}
  </li>`;
}

export function livePage(
  ctx: PageContext,
  options: { overview: Overview; snapshot: LiveSnapshot },
): SafeHtml {
  const showTenant = ctx.principal.role === "admin";
  const { overview, snapshot } = options;
  const list = (
    section: LiveSection,
    calls: readonly LiveCall[],
    title: string,
    emptyText: string,
  ) =>
    html`<section class="card" aria-labelledby="live-${section}-title">
      <header>
        <h2 id="live-${section}-title">
          ${title} <span class="badge accent" data-live-count="${section}">${calls.length}</span>
        </h2>
      </header>
      <p class="empty" data-live-empty="${section}" ${calls.length === 0 ? "" : html` hidden`}>
        ${emptyText}
      </p>
      <ul class="live-list" data-live-list="${section}">
        ${calls.map((call) => liveCard(call, section, showTenant))}
      </ul>
    </section>`;
  const body = html`<div class="stats">
      ${
        ctx.principal.role === "admin"
          ? html`<div class="card stat">
              <div class="label">Tenants</div>
              <div class="value" data-live-stat="tenants">${overview.tenants}</div>
            </div>`
          : ""
      }
      <div class="card stat">
        <div class="label">Calls in progress</div>
        <div class="value" data-live-count="active">${snapshot.active.length}</div>
      </div>
      <div class="card stat">
        <div class="label">Calls today (UTC)</div>
        <div class="value" data-live-stat="callsToday">${overview.callsToday}</div>
      </div>
      <div class="card stat">
        <div class="label">Leads today (UTC)</div>
        <div class="value" data-live-stat="leadsToday">${overview.leadsToday}</div>
      </div>
    </div>
    <div class="live-lists" data-live-src="/dashboard/live/events">
      ${list("active", snapshot.active, "In progress", "No calls right now. New calls appear here as they start.")}
      ${list("recent", snapshot.recent, "Just finished", "No finished calls yet.")}
    </div>
    <p class="visually-hidden" aria-live="polite" data-live-announce></p>`;
  return layout(ctx, {
    title: "Live",
    nav: "live",
    subtitle: html`<span class="live-status" data-live-status data-state="idle"
      ><span class="dot" aria-hidden="true"></span
      ><span data-live-text>Updates automatically</span></span
    >`,
    actions: html`<a class="button" href="/dashboard">Refresh</a
      ><a class="button" href="/dashboard/calls">All calls</a>`,
    // Without the script the page still refreshes itself.
    head: html`<noscript><meta http-equiv="refresh" content="15" /></noscript>`,
    body,
  });
}
