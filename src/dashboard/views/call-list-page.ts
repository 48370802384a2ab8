import type { CallListItem, CallPage } from "../dashboard-reader.js";
import { formatCost, formatDuration, humanize } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import {
  callHref,
  empty,
  endedReasonBadge,
  phone,
  query,
  statusBadge,
  tenantHref,
  timeTag,
} from "./components.js";
import { layout, type PageContext } from "./layout.js";
import { tenantTabs } from "./tenant-pages.js";

export interface CallFilterValues {
  tenant: string | undefined;
  status: string | undefined;
  endedReason: string | undefined;
  from: string | undefined;
  to: string | undefined;
}

const STATUS_OPTIONS: [string, string][] = [
  ["active", "Live (any in-progress status)"],
  ["ringing", "Ringing"],
  ["in-progress", "In progress"],
  ["forwarding", "Transferring"],
  ["ended", "Ended"],
  ["unknown", "Unknown"],
];

export function callRows(calls: readonly CallListItem[], showTenant: boolean): SafeHtml {
  return html`${calls.map(
    (call) =>
      html`<tr>
        <td class="nowrap">
          <a class="row-title" href="${callHref(call.id)}"
            >${timeTag(call.startedAt ?? call.createdAt)}</a
          >
          <div class="row-sub mono">${call.id.slice(0, 8)}</div>
        </td>
        ${showTenant ? html`<td><a href="${tenantHref(call.tenantId)}">${call.tenantName}</a></td>` : ""}
        <td>
          ${phone(call.callerNumber)}${call.leadName === null ? "" : html`<div class="row-sub">Lead: ${call.leadName}${call.leadService === null ? "" : ` · ${call.leadService}`}</div>`}
        </td>
        <td>${statusBadge(call.status)}</td>
        <td>${endedReasonBadge(call.endedReason)}</td>
        <td class="num">${formatDuration(call.durationSeconds)}</td>
        <td class="num">${formatCost(call.cost)}</td>
        <td class="clip" title="${call.summary ?? ""}">
          ${call.summary ?? html`<span class="muted">—</span>`}
        </td>
      </tr>`,
  )}`;
}

export function callListPage(
  ctx: PageContext,
  options: {
    filter: CallFilterValues;
    page: CallPage;
    tenants: { id: string; name: string }[];
    endedReasons: string[];
    /** Set when the list is one tenant's (tabs shown). */
    tenant?: { id: string; name: string } | undefined;
    before: string | undefined;
  },
): SafeHtml {
  const { filter, page } = options;
  const showTenant = ctx.principal.role === "admin" && options.tenant === undefined;
  const select = (
    name: string,
    label: string,
    current: string | undefined,
    choices: [string, string][],
    anyLabel: string,
  ) =>
    html`<div class="field">
      <label for="filter-${name}">${label}</label
      ><select id="filter-${name}" name="${name}">
        <option value="">${anyLabel}</option>
        ${choices.map(
          ([value, text]) =>
            html`<option value="${value}" ${value === current ? html` selected` : ""}>
              ${text}
            </option>`,
        )}
      </select>
    </div>`;
  const filters = html`<form
    class="filters"
    method="get"
    action="/dashboard/calls"
    aria-label="Filter calls"
  >
    ${
      ctx.principal.role === "admin"
        ? select(
            "tenant",
            "Tenant",
            filter.tenant,
            options.tenants.map((t) => [t.id, t.name]),
            "All tenants",
          )
        : ""
    }
    ${select("status", "Status", filter.status, STATUS_OPTIONS, "Any status")}
    ${select(
      "endedReason",
      "Ended reason",
      filter.endedReason,
      options.endedReasons.map((reason) => [reason, humanize(reason)]),
      "Any reason",
    )}
    <div class="field">
      <label for="filter-from">From (UTC)</label
      ><input type="date" id="filter-from" name="from" value="${filter.from ?? ""}" />
    </div>
    <div class="field">
      <label for="filter-to">To (UTC)</label
      ><input type="date" id="filter-to" name="to" value="${filter.to ?? ""}" />
    </div>
    <button type="submit" class="primary">Apply</button>
    <a
      href="${options.tenant === undefined ? "/dashboard/calls" : `/dashboard/calls?tenant=${encodeURIComponent(options.tenant.id)}`}"
      >Reset</a
    >
  </form>`;
  const params = { ...filter };
  const table =
    page.calls.length === 0
      ? empty("No calls match these filters.")
      : html`<div class="table-wrap">
          <table>
            <caption class="visually-hidden">
              Calls, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                ${showTenant ? html`<th scope="col">Tenant</th>` : ""}
                <th scope="col">Caller</th>
                <th scope="col">Status</th>
                <th scope="col">Ended reason</th>
                <th scope="col" class="num">Duration</th>
                <th scope="col" class="num">Cost</th>
                <th scope="col">Summary</th>
              </tr>
            </thead>
            <tbody>
              ${callRows(page.calls, showTenant)}
            </tbody>
          </table>
        </div>`;
  const pager =
    options.before === undefined && page.nextBefore === undefined
      ? ""
      : html`<nav class="pager" aria-label="Pages">
          <span
            >${
              options.before === undefined
                ? ""
                : html`<a class="button small" href="/dashboard/calls${query(params)}">← Newest</a>`
            }</span
          ><span
            >${
              page.nextBefore === undefined
                ? ""
                : html`<a
                    class="button small"
                    href="/dashboard/calls${query({ ...params, before: page.nextBefore })}"
                    >Older →</a
                  >`
            }</span
          >
        </nav>`;
  const tenant = options.tenant;
  return layout(ctx, {
    title: tenant === undefined ? "Calls" : "Calls",
    nav: tenant === undefined || ctx.principal.role === "tenant" ? "calls" : "tenants",
    subtitle: tenant === undefined ? "Newest first." : tenant.name,
    crumbs:
      tenant === undefined || ctx.principal.role === "tenant"
        ? undefined
        : [
            { label: "Tenants", href: "/dashboard/tenants" },
            { label: tenant.name, href: tenantHref(tenant.id) },
          ],
    body: html`${tenant === undefined ? "" : tenantTabs(ctx, tenant.id, "calls")}
      <section class="card">${filters}${table}${pager}</section>`,
  });
}
