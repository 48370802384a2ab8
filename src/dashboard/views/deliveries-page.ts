import type { FailedDelivery, Page } from "../dashboard-reader.js";
import { pluralize } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import { callHref, csrfField, empty, pager, tenantHref, timeTag } from "./components.js";
import { layout, type PageContext } from "./layout.js";

export const DELIVERIES_PAGE_SIZE = 50;

export function deliveriesPage(
  ctx: PageContext,
  options: {
    page: Page<FailedDelivery> | undefined;
    offset: number;
    flash?: { tone: "success" | "info" | "error" | "warn"; text: string } | undefined;
  },
): SafeHtml {
  const { page } = options;
  // The section exists in every build; without a delivery log (no notifications module) it says so.
  const body =
    page === undefined
      ? html`<section class="card" data-testid="deliveries-not-configured">
          <div class="card-body">
            <h2>Notifications not configured</h2>
            <p class="muted">
              This server keeps no webhook delivery log, so there is nothing to re-send.
            </p>
          </div>
        </section>`
      : html`<section class="card">
          <header>
            <h2>Failed deliveries</h2>
            <span class="hint"
              >Webhooks to tenants that gave up after every retry. Re-sending goes to the tenant's
              current webhook URL with the same body and webhook-id.</span
            >
          </header>
          ${
            page.items.length === 0
              ? empty("No failed deliveries. Every notification reached its tenant.")
              : html`<div class="table-wrap">
                  <table>
                    <caption class="visually-hidden">
                      Failed deliveries, most recent first
                    </caption>
                    <thead>
                      <tr>
                        <th scope="col">Event</th>
                        <th scope="col">Tenant</th>
                        <th scope="col">Last error</th>
                        <th scope="col" class="num">Attempts</th>
                        <th scope="col">Gave up</th>
                        <th scope="col"><span class="visually-hidden">Action</span></th>
                      </tr>
                    </thead>
                    <tbody>
                      ${page.items.map(
                        (delivery) =>
                          html`<tr>
                            <td>
                              <div class="row-title"><code>${delivery.eventType}</code></div>
                              <div class="row-sub mono">${delivery.id}</div>
                              ${delivery.callId === null ? "" : html`<a class="row-sub" href="${callHref(delivery.callId)}">View call</a>`}
                            </td>
                            <td>
                              <a href="${tenantHref(delivery.tenantId)}">${delivery.tenantName}</a>
                              <div class="row-sub mono clip">${delivery.url}</div>
                            </td>
                            <td>
                              ${delivery.lastStatusCode === null ? "" : html`<span class="badge danger">HTTP ${delivery.lastStatusCode}</span> `}<span
                                class="row-sub"
                                >${delivery.lastError ?? ""}</span
                              >
                            </td>
                            <td class="num">${pluralize(delivery.attempts, "attempt")}</td>
                            <td class="nowrap">${timeTag(delivery.updatedAt)}</td>
                            <td>
                              <form
                                method="post"
                                action="/dashboard/deliveries/${encodeURIComponent(delivery.tenantId)}/${encodeURIComponent(delivery.id)}/resend"
                              >
                                ${csrfField(ctx.csrfToken)}<button type="submit" class="small">
                                  Re-send
                                </button>
                              </form>
                            </td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
          }
          ${pager("/dashboard/deliveries", {}, options.offset, page.nextOffset, DELIVERIES_PAGE_SIZE)}
        </section>`;
  return layout(ctx, {
    title: "Deliveries",
    nav: "deliveries",
    subtitle: "Notifications frontdesk sends to each tenant's webhook.",
    flash: options.flash,
    body,
  });
}
