import { WEEKDAY_NAMES, WEEKDAYS, type Weekday } from "../../tenants/tenant-document.js";
import { html, type SafeHtml } from "../html.js";
import { BLANK_FAQ_ROWS, type FormErrors, type TenantFormValues } from "../tenant-editor.js";
import { csrfField, fieldErrors, invalidAttrs, tenantHref } from "./components.js";
import { layout, type PageContext } from "./layout.js";
import { tenantCrumbs, tenantTabs } from "./tenant-pages.js";

/** Form field name → element id (ids cannot hold dots comfortably in CSS selectors). */
function idOf(field: string): string {
  return `f-${field.replace(/\./g, "-")}`;
}

// Every zone the runtime knows, for the time zone field's suggestions.
const TIME_ZONES: readonly string[] = (() => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
})();

export interface TenantEditPageOptions {
  tenant: { id: string; name: string };
  version: number;
  values: TenantFormValues;
  errors?: FormErrors | undefined;
  /** A save lost a race with another edit. */
  conflict?: string | undefined;
}

export function tenantEditPage(ctx: PageContext, options: TenantEditPageOptions): SafeHtml {
  const { values, tenant } = options;
  const errors = options.errors ?? { byField: new Map<string, string[]>(), general: [] };
  const messages = (field: string) => errors.byField.get(field);
  const text = (field: string, label: string, value: string, help?: string, type = "text") => {
    const id = idOf(field);
    return html`<div class="field">
      <label for="${id}">${label}</label
      >${help === undefined ? "" : html`<p class="help" id="${id}-help">${help}</p>`}${fieldErrors(id, messages(field))}<input
        type="${type}"
        id="${id}"
        name="${field}"
        value="${value}"
        ${invalidAttrs(id, messages(field))}${field === "timezone" ? html` list="time-zones" autocomplete="off"` : ""}
      />
    </div>`;
  };
  const area = (field: string, label: string, value: string, help: string, rows = 5) => {
    const id = idOf(field);
    return html`<div class="field">
      <label for="${id}">${label}</label>
      <p class="help">${help}</p>
      ${fieldErrors(id, messages(field))}<textarea
        id="${id}"
        name="${field}"
        rows="${rows}"
        ${invalidAttrs(id, messages(field))}
      >
${value}</textarea>
    </div>`;
  };

  const errorCount =
    errors.general.length + [...errors.byField.values()].reduce((n, list) => n + list.length, 0);
  const summary =
    errorCount === 0
      ? ""
      : html`<div class="alert error" role="alert" tabindex="-1" data-error-summary>
          <h2>
            Nothing was saved:
            ${errorCount === 1 ? "1 problem needs" : `${errorCount} problems need`} fixing
          </h2>
          <ul>
            ${errors.general.map((message) => html`<li>${message}</li>`)}${[
              ...errors.byField.entries(),
            ].map(
              ([field, list]) =>
                html`<li>
                  <a href="#${idOf(field)}">${fieldLabel(field)}</a>: ${list.join("; ")}
                </li>`,
            )}
          </ul>
        </div>`;
  const conflict =
    options.conflict === undefined
      ? ""
      : html`<div class="alert warn" role="alert">
          <h2>Someone else changed this tenant</h2>
          <p>${options.conflict}</p>
          <p>
            <a href="${tenantHref(tenant.id, "/edit")}">Load the latest version</a> and make your
            change again.
          </p>
        </div>`;

  // Rows left blank come back from a failed save; offer the usual blank rows once, not again.
  const filled = [...values.faq];
  while (filled.length > 0 && isBlank(filled[filled.length - 1])) filled.pop();
  const faqRows = [
    ...filled,
    ...Array.from({ length: BLANK_FAQ_ROWS }, () => ({ question: "", answer: "" })),
  ];
  const faqRow = (row: number | "__INDEX__", entry: { question: string; answer: string }) => {
    const number = row === "__INDEX__" ? "__NUMBER__" : String(row + 1);
    const q = `faq.${row}.question`;
    const a = `faq.${row}.answer`;
    return html`<div class="faq-row" role="group" aria-label="Question ${number}">
      <div class="field">
        <label for="${idOf(q)}">Question ${number}</label>${fieldErrors(idOf(q), messages(q))}<input
          type="text"
          id="${idOf(q)}"
          name="${q}"
          value="${entry.question}"
          ${invalidAttrs(idOf(q), messages(q))}
        />
      </div>
      <div class="field">
        <label for="${idOf(a)}">Answer ${number}</label
        >${fieldErrors(idOf(a), messages(a))}<textarea
          id="${idOf(a)}"
          name="${a}"
          rows="2"
          ${invalidAttrs(idOf(a), messages(a))}
        >
${entry.answer}</textarea>
      </div>
    </div>`;
  };

  const body = html`${tenantTabs(ctx, tenant.id, "edit")} ${summary}${conflict}
    <form method="post" action="${tenantHref(tenant.id, "/edit")}" novalidate>
      ${csrfField(ctx.csrfToken)}
      <input type="hidden" name="version" value="${options.version}" />
      <div class="stack">
        <section class="card">
          <div class="card-body">
            <fieldset>
              <legend>Business</legend>
              <div class="form-grid">
                ${text("name", "Business name", values.name)}
                ${text("timezone", "Time zone", values.timezone, "IANA name, e.g. Australia/Sydney")}
              </div>
              <datalist id="time-zones">
                ${TIME_ZONES.map((zone) => html`<option value="${zone}"></option>`)}
              </datalist>
            </fieldset>
          </div>
        </section>

        <section class="card">
          <div class="card-body">
            <fieldset>
              <legend>Opening hours</legend>
              <p class="help">
                Ranges like 07:00-17:00 in the business's own time; several ranges separated by
                commas; leave empty for closed.
              </p>
              ${fieldErrors(idOf("hours"), messages("hours"))}
              <div class="hours-grid">
                ${WEEKDAYS.map((day) => {
                  const field = `hours.${day}`;
                  const id = idOf(field);
                  return html`<label for="${id}">${WEEKDAY_NAMES[day]}</label
                    ><input
                      type="text"
                      id="${id}"
                      name="${field}"
                      value="${values.hours[day]}"
                      placeholder="Closed"
                      ${invalidAttrs(id, messages(field))}
                    />${fieldErrors(id, messages(field))}`;
                })}
              </div>
              ${area("closures", "Closures", values.closures, "One per line: a date, then an optional reason, e.g. 2026-12-25 Christmas Day.", 3)}
            </fieldset>
          </div>
        </section>

        <section class="card">
          <div class="card-body">
            <fieldset>
              <legend>Services</legend>
              ${area("services", "Services offered", values.services, "One per line. The assistant matches callers' requests against this list.", 6)}
            </fieldset>
          </div>
        </section>

        <section class="card">
          <div class="card-body">
            <fieldset>
              <legend>Escalation and transfer</legend>
              <div class="form-grid">
                <div>
                  ${text("escalation.number", "Emergency number", values.escalationNumber, "E.164, e.g. +61491570157. Leave empty for none.", "tel")}
                  ${area("escalation.triggers", "Emergency triggers", values.escalationTriggers, "One per line, e.g. gas smell.", 4)}
                </div>
                <div>
                  ${text("transfer.number", "Front desk number", values.transferNumber, "Where callers who ask for a person are transferred.", "tel")}
                  ${text("transfer.message", "Transfer message", values.transferMessage, "Said to the caller before the transfer.")}
                </div>
              </div>
            </fieldset>
          </div>
        </section>

        <section class="card">
          <div class="card-body">
            <fieldset>
              <legend>Frequently asked questions</legend>
              <p class="help">Leave both boxes of a row empty to remove it.</p>
              ${fieldErrors(idOf("faq"), messages("faq"))}
              <div id="faq-rows">${faqRows.map((entry, row) => faqRow(row, entry))}</div>
              <template id="faq-template"
                >${faqRow("__INDEX__", { question: "", answer: "" })}</template
              >
              <button type="button" data-add-faq="faq-template" aria-controls="faq-rows" hidden>
                Add a question
              </button>
            </fieldset>
          </div>
        </section>
      </div>
      <div class="form-actions">
        <button type="submit" class="primary">Save changes</button>
        <a class="button" href="${tenantHref(tenant.id)}">Cancel</a>
        <span class="muted">Changes reach live calls as soon as they are saved.</span>
      </div>
    </form>`;
  return layout(ctx, {
    title: `Edit ${tenant.name}`,
    nav: "tenants",
    crumbs: tenantCrumbs(ctx, tenant, "Edit"),
    body,
  });
}

function isBlank(entry: { question: string; answer: string } | undefined): boolean {
  return entry !== undefined && entry.question.trim() === "" && entry.answer.trim() === "";
}

function fieldLabel(field: string): string {
  const faq = /^faq\.(\d+)\.(question|answer)$/.exec(field);
  if (faq !== null) return `FAQ ${faq[2]} ${Number(faq[1]) + 1}`;
  const day = /^hours\.(\w+)$/.exec(field)?.[1];
  if (day !== undefined && day in WEEKDAY_NAMES) return `${WEEKDAY_NAMES[day as Weekday]} hours`;
  const labels: Record<string, string> = {
    name: "Business name",
    timezone: "Time zone",
    services: "Services",
    closures: "Closures",
    "escalation.number": "Emergency number",
    "escalation.triggers": "Emergency triggers",
    "transfer.number": "Front desk number",
    "transfer.message": "Transfer message",
    faq: "FAQ",
  };
  return labels[field] ?? field;
}

export function tenantDocumentPage(
  ctx: PageContext,
  options: {
    tenant: { id: string; name: string };
    version: number;
    yaml: string;
    errors?: readonly string[] | undefined;
    conflict?: string | undefined;
  },
): SafeHtml {
  const { tenant } = options;
  const errors = options.errors ?? [];
  const body = html`${tenantTabs(ctx, tenant.id, "document")}
    ${
      errors.length === 0
        ? ""
        : html`<div class="alert error" role="alert" tabindex="-1" data-error-summary>
            <h2>
              Nothing was saved: the document has
              ${errors.length === 1 ? "1 problem" : `${errors.length} problems`}
            </h2>
            <ul>
              ${errors.map((e) => html`<li><code>${e}</code></li>`)}
            </ul>
          </div>`
    }
    ${
      options.conflict === undefined
        ? ""
        : html`<div class="alert warn" role="alert">
            <h2>Someone else changed this tenant</h2>
            <p>${options.conflict}</p>
            <p><a href="${tenantHref(tenant.id, "/document")}">Load the latest version</a>.</p>
          </div>`
    }
    <form method="post" action="${tenantHref(tenant.id, "/document")}">
      ${csrfField(ctx.csrfToken)}
      <input type="hidden" name="version" value="${options.version}" />
      <section class="card">
        <header>
          <h2><label for="document">Tenant document (YAML)</label></h2>
          <span class="hint">Secrets are masked; leave a masked value as it is to keep it.</span>
        </header>
        <div class="card-body">
          <textarea
            class="code"
            id="document"
            name="document"
            spellcheck="false"
            ${errors.length === 0 ? "" : html` aria-invalid="true"`}
          >
${options.yaml}</textarea>
        </div>
      </section>
      <div class="form-actions">
        <button type="submit" class="primary">Save document</button
        ><a class="button" href="${tenantHref(tenant.id)}">Cancel</a
        ><span class="muted">Validated exactly like the admin API.</span>
      </div>
    </form>`;
  return layout(ctx, {
    title: `${tenant.name}: document`,
    nav: "tenants",
    crumbs: tenantCrumbs(ctx, tenant, "Document"),
    body,
  });
}
