import type { OpenState } from "../../tenants/business-hours.js";
import { WEEKDAY_NAMES, WEEKDAYS, type Tenant } from "../../tenants/tenant-document.js";
import type { Page, TenantListItem } from "../dashboard-reader.js";
import { pluralize } from "../format.js";
import { html, raw, type HtmlValue, type SafeHtml } from "../html.js";
import { card, csrfField, empty, pager, phone, tenantHref, timeTag } from "./components.js";
import { layout, type PageContext } from "./layout.js";

export type TenantTab =
  "overview" | "calls" | "leads" | "bookings" | "messages" | "edit" | "document";

export const TENANTS_PAGE_SIZE = 25;

export function tenantsListPage(
  ctx: PageContext,
  options: { q: string; offset: number; page: Page<TenantListItem> },
): SafeHtml {
  const { q, page } = options;
  const rows = page.items.map(
    (tenant) =>
      html`<tr>
        <td>
          <a class="row-title" href="${tenantHref(tenant.id)}">${tenant.name}</a>
          <div class="row-sub mono">${tenant.id}</div>
        </td>
        <td>
          ${tenant.phoneNumbers.length === 0 ? html`<span class="muted">None</span>` : tenant.phoneNumbers.map((n) => html`<div>${phone(n)}</div>`)}
        </td>
        <td>${tenant.timezone}</td>
        <td class="num">
          <a href="/dashboard/calls?tenant=${encodeURIComponent(tenant.id)}"
            >${tenant.callsLast7Days}</a
          >
        </td>
        <td class="nowrap">
          ${timeTag(tenant.updatedAt)}
          <div class="row-sub">version ${tenant.version}</div>
        </td>
      </tr>`,
  );
  const body = html` <section class="card">
    <form class="filters" method="get" action="/dashboard/tenants" role="search">
      <div class="field search">
        <label for="q" class="visually-hidden">Search tenants</label>
        <input
          type="search"
          id="q"
          name="q"
          value="${q}"
          placeholder="Search by name, id or phone number"
        />
        <button type="submit" class="primary">Search</button>
      </div>
      ${q === "" ? "" : html`<a href="/dashboard/tenants">Clear search</a>`}
    </form>
    ${
      page.items.length === 0
        ? empty(
            q === ""
              ? "No tenants yet. Import one with the CLI or the admin API."
              : `No tenant matches “${q}”.`,
          )
        : html`<div class="table-wrap">
            <table>
              <caption class="visually-hidden">
                Tenants${q === "" ? "" : ` matching ${q}`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Business</th>
                  <th scope="col">Numbers</th>
                  <th scope="col">Time zone</th>
                  <th scope="col" class="num">Calls (7 days)</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                ${rows}
              </tbody>
            </table>
          </div>`
    }
    ${pager("/dashboard/tenants", { q }, options.offset, page.nextOffset, TENANTS_PAGE_SIZE)}
  </section>`;
  return layout(ctx, {
    title: "Tenants",
    nav: "tenants",
    subtitle: "Every business answered by this frontdesk.",
    body,
  });
}

/** The tab bar shared by a tenant's pages. */
export function tenantTabs(ctx: PageContext, tenantId: string, current: TenantTab): SafeHtml {
  const tabs: [TenantTab, string, string][] = [
    ["overview", "Overview", ""],
    ["calls", "Calls", "/calls"],
    ["leads", "Leads", "/leads"],
    ["bookings", "Bookings", "/bookings"],
    ["messages", "Messages", "/messages"],
  ];
  if (ctx.principal.role === "admin") {
    tabs.push(["edit", "Edit", "/edit"], ["document", "Document", "/document"]);
  }
  return html`<nav class="tabs" aria-label="Tenant sections">
    ${tabs.map(
      ([key, label, sub]) =>
        html`<a
          href="${key === "calls" ? `/dashboard/calls?tenant=${encodeURIComponent(tenantId)}` : tenantHref(tenantId, sub)}"
          ${key === current ? raw(' aria-current="page"') : ""}
          >${label}</a
        >`,
    )}
  </nav>`;
}

export function tenantCrumbs(
  ctx: PageContext,
  tenant: { id: string; name: string },
  leaf?: string,
) {
  const crumbs: { label: string; href?: string }[] =
    ctx.principal.role === "admin" ? [{ label: "Tenants", href: "/dashboard/tenants" }] : [];
  if (leaf !== undefined) crumbs.push({ label: tenant.name, href: tenantHref(tenant.id) });
  return crumbs;
}

export interface TenantOverviewOptions {
  /** Secrets already masked. */
  tenant: Tenant;
  version: number;
  updatedAt: string;
  openState: OpenState;
  flash?: { tone: "success" | "info" | "error" | "warn"; text: string } | undefined;
  /** A freshly issued read-only token, shown once. */
  issuedToken?: { token: string; expiresAt: number } | undefined;
}

export function tenantOverviewPage(ctx: PageContext, options: TenantOverviewOptions): SafeHtml {
  const { tenant, openState } = options;
  const todayKey = WEEKDAYS[openState.localNow.weekday - 1];
  const open = openState.isOpen
    ? html`<span class="badge live">Open now</span
        ><span class="muted">until ${openState.closesAt?.toFormat("h:mm a") ?? ""}</span>`
    : html`<span class="badge">Closed now</span
        ><span class="muted"
          >${openState.closureReason === undefined ? "" : `${openState.closureReason}. `}${
            openState.nextOpensAt === undefined
              ? "No opening in the next two weeks."
              : `Opens ${openState.nextOpensAt.toFormat("cccc d LLL, h:mm a")}`
          }</span
        >`;
  const hours = card({
    title: "Opening hours",
    hint: `Local time ${openState.localNow.toFormat("ccc h:mm a")} · ${tenant.timezone}`,
    body: html`<div class="open-state" data-testid="open-state">${open}</div>
      <table class="hours">
        <caption class="visually-hidden">
          Weekly opening hours
        </caption>
        <tbody>
          ${WEEKDAYS.map(
            (day) =>
              html`<tr${day === todayKey ? raw(' class="today"') : ""}><th scope="row">${WEEKDAY_NAMES[day]}${day === todayKey ? html` <span class="visually-hidden">(today)</span>` : ""}</th><td>${
                tenant.hours[day].length === 0
                  ? html`<span class="muted">Closed</span>`
                  : tenant.hours[day].map((range) => range.replace("-", " – ")).join(", ")
              }</td></tr>`,
          )}
        </tbody>
      </table>
      ${
        tenant.closures.length === 0
          ? ""
          : html`<h3 class="muted" id="closures-title">Closures</h3>
              <ul class="chips" aria-labelledby="closures-title">
                ${tenant.closures.map(
                  (closure) =>
                    html`<li class="chip">
                      ${closure.date}${closure.reason === undefined ? "" : ` · ${closure.reason}`}
                    </li>`,
                )}
              </ul>`
      }`,
  });
  const services = card({
    title: "Services",
    hint: pluralize(tenant.services.length, "service"),
    body:
      tenant.services.length === 0
        ? html`<p class="muted">No services listed: the assistant accepts any enquiry.</p>`
        : html`<ul class="chips">
            ${tenant.services.map((s) => html`<li class="chip">${s}</li>`)}
          </ul>`,
  });
  const faq = card({
    title: "FAQ",
    hint: pluralize(tenant.faq.length, "answer"),
    body:
      tenant.faq.length === 0
        ? html`<p class="muted">No questions yet.</p>`
        : html`<dl class="faq">
            ${tenant.faq.map(
              (entry) =>
                html`<dt>${entry.question}</dt>
                  <dd>${entry.answer}</dd>`,
            )}
          </dl>`,
  });
  const details = card({
    title: "Details",
    body: html`<dl class="facts">
      <dt>Id</dt>
      <dd class="mono">${tenant.id}</dd>
      <dt>Time zone</dt>
      <dd>${tenant.timezone}</dd>
      <dt>Numbers</dt>
      <dd>
        ${tenant.phoneNumbers.length === 0 ? html`<span class="muted">None attached</span>` : tenant.phoneNumbers.map((n) => html`<div>${phone(n.number)}${n.vapiPhoneNumberId === undefined ? "" : html`<div class="row-sub mono">Vapi ${n.vapiPhoneNumberId}</div>`}</div>`)}
      </dd>
      <dt>Version</dt>
      <dd>${options.version}</dd>
      <dt>Updated</dt>
      <dd>${timeTag(options.updatedAt)}</dd>
      ${
        tenant.retentionDays === undefined
          ? ""
          : html`<dt>Retention</dt>
              <dd>${pluralize(tenant.retentionDays, "day")}</dd>`
      }
    </dl>`,
  });
  const escalation = card({
    title: "Escalation and transfer",
    body: html`<dl class="facts">
      <dt>Emergencies</dt>
      <dd>
        ${tenant.escalation === undefined ? html`<span class="muted">Not set</span>` : phone(tenant.escalation.number)}
      </dd>
      ${
        tenant.escalation === undefined || tenant.escalation.triggers.length === 0
          ? ""
          : html`<dt>Triggers</dt>
              <dd>
                <ul class="chips">
                  ${tenant.escalation.triggers.map((t) => html`<li class="chip">${t}</li>`)}
                </ul>
              </dd>`
      }
      <dt>Front desk</dt>
      <dd>
        ${tenant.transfer === undefined ? html`<span class="muted">Not set</span>` : phone(tenant.transfer.number)}
      </dd>
      ${
        tenant.transfer?.message === undefined
          ? ""
          : html`<dt>Message</dt>
              <dd>${tenant.transfer.message}</dd>`
      }
    </dl>`,
  });
  const assistant = tenant.assistant;
  const assistantCard = card({
    title: "Assistant",
    body: html`<dl class="facts">
      ${
        assistant.assistantId === undefined
          ? ""
          : html`<dt>Saved assistant</dt>
              <dd class="mono">${assistant.assistantId}</dd>`
      }
      <dt>Voice</dt>
      <dd>
        ${assistant.voice === undefined ? html`<span class="muted">Default</span>` : `${assistant.voice.provider} · ${assistant.voice.voiceId}`}
      </dd>
      <dt>Model</dt>
      <dd>
        ${assistant.model === undefined ? html`<span class="muted">Default</span>` : assistant.model.model}
      </dd>
      <dt>Greeting</dt>
      <dd>${assistant.firstMessage ?? html`<span class="muted">Default</span>`}</dd>
    </dl>`,
  });
  const notify = tenant.notify;
  const integrations = card({
    title: "Integrations",
    body: html`<dl class="facts">
      <dt>Webhook</dt>
      <dd>
        ${
          notify === undefined
            ? html`<span class="muted">Not configured</span>`
            : html`<span class="mono">${notify.webhookUrl}</span>
                <div class="row-sub">${notify.events.join(", ")} · secret ${notify.secret}</div>`
        }
      </dd>
      <dt>Vapi credentials</dt>
      <dd>
        ${
          tenant.vapiAuth === undefined
            ? html`<span class="muted">Global only</span>`
            : [...tenant.vapiAuth.secrets, ...tenant.vapiAuth.hmacSecrets].length === 0
              ? html`<span class="muted">None</span>`
              : html`<span class="mono"
                  >${[...tenant.vapiAuth.secrets, ...tenant.vapiAuth.hmacSecrets].join(", ")}</span
                >`
        }
      </dd>
    </dl>`,
  });
  const access =
    ctx.principal.role === "admin" ? accessTokenCard(ctx, tenant.id, options.issuedToken) : "";
  const body = html`${tenantTabs(ctx, tenant.id, "overview")}
    <div class="grid-3">
      <div class="stack">${hours}${services}${faq}</div>
      <div class="stack">${details}${escalation}${assistantCard}${integrations}${access}</div>
    </div>`;
  return layout(ctx, {
    title: tenant.name,
    nav: ctx.principal.role === "admin" ? "tenants" : "tenant",
    crumbs: tenantCrumbs(ctx, tenant),
    actions:
      ctx.principal.role === "admin"
        ? html`<a class="button primary" href="${tenantHref(tenant.id, "/edit")}">Edit tenant</a>`
        : undefined,
    flash: options.flash,
    body,
  });
}

function accessTokenCard(
  ctx: PageContext,
  tenantId: string,
  issued: { token: string; expiresAt: number } | undefined,
): SafeHtml {
  return card({
    title: "Read-only access",
    id: "access",
    body: html`${
        issued === undefined
          ? html`<p class="muted">
              Give the business its own sign-in: it sees this page, its calls, leads, bookings and
              messages, and nothing of other tenants.
            </p>`
          : html`<div class="alert success" role="status">
                Token created. Copy it now: it is not shown again.
              </div>
              <div class="field">
                <label for="issued-token">Access token</label>
                <div class="token-box">
                  <input type="text" id="issued-token" readonly value="${issued.token}" /><button
                    type="button"
                    class="small"
                    data-copy="issued-token"
                  >
                    Copy
                  </button>
                </div>
                <p class="help">
                  Valid until ${timeTag(new Date(issued.expiresAt * 1000).toISOString())}.
                </p>
              </div>`
      }
      <form method="post" action="${tenantHref(tenantId, "/access-tokens")}">
        ${csrfField(ctx.csrfToken)}
        <div class="field">
          <label for="ttl-days">Valid for</label>
          <select id="ttl-days" name="ttlDays">
            <option value="7">7 days</option>
            <option value="30" selected>30 days</option>
            <option value="90">90 days</option>
            <option value="365">1 year</option>
          </select>
        </div>
        <button type="submit">Create access token</button>
      </form>`,
  });
}

/** The list pages of one tenant: leads, bookings, messages. */
export function tenantRecordsPage(
  ctx: PageContext,
  options: {
    tenant: { id: string; name: string };
    tab: "leads" | "bookings" | "messages";
    title: string;
    table: HtmlValue;
    pager: HtmlValue;
  },
): SafeHtml {
  return layout(ctx, {
    title: options.title,
    nav: ctx.principal.role === "admin" ? "tenants" : "tenant",
    crumbs: tenantCrumbs(ctx, options.tenant, options.title),
    subtitle: options.tenant.name,
    body: html`${tenantTabs(ctx, options.tenant.id, options.tab)}
      <section class="card">${options.table}${options.pager}</section>`,
  });
}
