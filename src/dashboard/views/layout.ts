import { assetUrl } from "../assets/assets.js";
import { html, raw, type HtmlValue, type SafeHtml } from "../html.js";
import type { Principal } from "../session.js";

export type NavKey = "live" | "calls" | "tenants" | "deliveries" | "tenant" | "none";

/** What every signed-in page needs to know about who is looking. */
export interface PageContext {
  principal: Principal;
  /** "Operator", or the tenant's name for a tenant's read-only session. */
  principalName: string;
  csrfToken: string;
}

export interface Crumb {
  label: string;
  href?: string;
}

export interface LayoutOptions {
  title: string;
  nav: NavKey;
  crumbs?: Crumb[] | undefined;
  subtitle?: HtmlValue | undefined;
  actions?: HtmlValue | undefined;
  /** Shown above the content (saved, re-sent, …). */
  flash?: { tone: "success" | "info" | "error" | "warn"; text: string } | undefined;
  /** Extra <head> markup (the live page's no-script refresh). */
  head?: HtmlValue | undefined;
  body: HtmlValue;
}

const ICONS = {
  live: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M22 12h-4l-3 9L9 3l-3 9H2"/></svg>',
  calls:
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z"/></svg>',
  tenants:
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M3 21h18M5 21V7l8-4v18M19 21V11l-6-4M9 9v.01M9 12v.01M9 15v.01M9 18v.01"/></svg>',
  deliveries:
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M22 2 11 13M22 2l-7 20-4-9-9-4 20-7z"/></svg>',
  tenant:
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M3 9l9-7 9 7v11a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/><path d="M9 22V12h6v10"/></svg>',
} as const;

function navItems(principal: Principal): { key: NavKey; label: string; href: string }[] {
  if (principal.role === "tenant") {
    return [
      { key: "live", label: "Live", href: "/dashboard" },
      { key: "calls", label: "Calls", href: "/dashboard/calls" },
      {
        key: "tenant",
        label: "Business",
        href: `/dashboard/tenants/${encodeURIComponent(principal.tenantId)}`,
      },
    ];
  }
  return [
    { key: "live", label: "Live", href: "/dashboard" },
    { key: "calls", label: "Calls", href: "/dashboard/calls" },
    { key: "tenants", label: "Tenants", href: "/dashboard/tenants" },
    { key: "deliveries", label: "Deliveries", href: "/dashboard/deliveries" },
  ];
}

/** The HTML document around every page. */
export function documentShell(title: string, body: HtmlValue, head?: HtmlValue): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="referrer" content="same-origin" />
        <link rel="icon" href="data:," />
        <title>${title} · frontdesk</title>
        <link rel="stylesheet" href="${assetUrl("dashboard.css")}" />
        <script src="${assetUrl("dashboard.js")}" defer></script>
        ${head}
      </head>
      ${body}
    </html>`;
}

export function brand(): SafeHtml {
  return html`<span class="brand-mark" aria-hidden="true">fd</span><span>frontdesk</span>`;
}

/** A signed-in page: sidebar navigation, header with breadcrumbs and actions, content. */
export function layout(ctx: PageContext, options: LayoutOptions): SafeHtml {
  const nav = navItems(ctx.principal).map(
    (item) =>
      html`<li>
        <a href="${item.href}" ${item.key === options.nav ? raw(' aria-current="page"') : ""}
          >${raw(ICONS[item.key as keyof typeof ICONS])}<span>${item.label}</span></a
        >
      </li>`,
  );
  const crumbs =
    options.crumbs === undefined || options.crumbs.length === 0
      ? ""
      : html`<nav class="crumbs" aria-label="Breadcrumb">
          <ol>
            ${options.crumbs.map((crumb) =>
              crumb.href === undefined
                ? html`<li>${crumb.label}</li>`
                : html`<li><a href="${crumb.href}">${crumb.label}</a></li>`,
            )}
          </ol>
        </nav>`;
  const flash =
    options.flash === undefined
      ? ""
      : html`<div
          class="alert ${options.flash.tone}"
          role="${options.flash.tone === "error" ? "alert" : "status"}"
        >
          ${options.flash.text}
        </div>`;
  return documentShell(
    options.title,
    html`<body>
      <a class="skip-link" href="#main">Skip to content</a>
      <div class="shell">
        <aside class="sidebar">
          <a class="brand" href="/dashboard">${brand()}</a>
          <nav class="nav" aria-label="Main">
            <ul>
              ${nav}
            </ul>
          </nav>
          <div class="sidebar-foot">
            <div>
              <div class="who">${ctx.principalName}</div>
              <div class="role">
                ${ctx.principal.role === "admin" ? "Full access" : "Read-only access"}
              </div>
            </div>
            <form method="post" action="/dashboard/logout">
              <input type="hidden" name="_csrf" value="${ctx.csrfToken}" />
              <button type="submit" class="small">Sign out</button>
            </form>
          </div>
        </aside>
        <main id="main" class="main" tabindex="-1">
          <header class="page-header">
            <div>
              ${crumbs}
              <h1>${options.title}</h1>
              ${options.subtitle === undefined ? "" : html`<div class="subtitle">${options.subtitle}</div>`}
            </div>
            ${options.actions === undefined ? "" : html`<div class="actions">${options.actions}</div>`}
          </header>
          ${flash} ${options.body}
        </main>
      </div>
    </body>`,
    options.head,
  );
}

/** A small page for errors (404, 403, 500) inside or outside a session. */
export function errorPage(
  ctx: PageContext | undefined,
  statusCode: number,
  title: string,
  message: string,
): SafeHtml {
  const body = html`<section class="card">
    <div class="card-body">
      <p>${message}</p>
      <p><a class="button" href="/dashboard">Back to the dashboard</a></p>
    </div>
  </section>`;
  if (ctx !== undefined) return layout(ctx, { title, nav: "none", body });
  return documentShell(
    title,
    html`<body>
      <main id="main" class="login">
        <div class="card">
          <a class="brand" href="/dashboard">${brand()}</a>
          <h1>${title}</h1>
          <p class="muted">${message} (error ${statusCode})</p>
          <a class="button primary" href="/dashboard/login">Sign in</a>
        </div>
      </main>
    </body>`,
  );
}
