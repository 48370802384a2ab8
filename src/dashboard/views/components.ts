import { formatUtc, humanize, isFailureReason, statusLabel, statusTone } from "../format.js";
import { html, type HtmlValue, type SafeHtml } from "../html.js";

/** A time in UTC text that the page script shows in the viewer's zone. */
export function timeTag(
  iso: string | null | undefined,
  mode: "datetime" | "time" = "datetime",
): SafeHtml {
  if (iso === null || iso === undefined) return html`<span class="muted">—</span>`;
  return html`<time datetime="${iso}" data-local="${mode}">${formatUtc(iso)}</time>`;
}

export function statusBadge(status: string | null): SafeHtml {
  return html`<span class="badge ${statusTone(status)}">${statusLabel(status)}</span>`;
}

export function endedReasonBadge(reason: string | null): SafeHtml {
  if (reason === null) return html`<span class="muted">—</span>`;
  return html`<span class="badge ${isFailureReason(reason) ? "danger" : ""}" title="${reason}"
    >${humanize(reason)}</span
  >`;
}

export function phone(number: string | null | undefined): SafeHtml {
  if (number === null || number === undefined || number === "") {
    return html`<span class="muted">Unknown</span>`;
  }
  return html`<span class="mono nowrap">${number}</span>`;
}

export function callHref(id: string): string {
  return `/dashboard/calls/${encodeURIComponent(id)}`;
}

export function tenantHref(id: string, sub = ""): string {
  return `/dashboard/tenants/${encodeURIComponent(id)}${sub}`;
}

/** `?a=1&b=2` from defined, non-empty values. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

export function card(options: {
  title?: HtmlValue;
  hint?: HtmlValue;
  id?: string;
  body: HtmlValue;
  flush?: boolean;
}): SafeHtml {
  const headingId = options.id === undefined ? undefined : `${options.id}-title`;
  return html`<section
    class="card"
    ${options.id === undefined ? "" : html` id="${options.id}" aria-labelledby="${headingId}"`}
  >
    ${options.title === undefined ? "" : html`<header><h2${headingId === undefined ? "" : html` id="${headingId}"`}>${options.title}</h2>${options.hint === undefined ? "" : html`<span class="hint">${options.hint}</span>`}</header>`}
    ${options.flush === true ? options.body : html`<div class="card-body">${options.body}</div>`}
  </section>`;
}

export function empty(text: string): SafeHtml {
  return html`<p class="empty">${text}</p>`;
}

/** "Newer / Older" style pager for offset pages. */
export function pager(
  basePath: string,
  params: Record<string, string | undefined>,
  offset: number,
  nextOffset: number | undefined,
  limit: number,
): SafeHtml {
  if (offset === 0 && nextOffset === undefined) return html``;
  const previous = offset > 0 ? Math.max(0, offset - limit) : undefined;
  return html`<nav class="pager" aria-label="Pages">
    <span
      >${previous === undefined ? "" : html`<a class="button small" href="${basePath}${query({ ...params, offset: previous === 0 ? undefined : previous })}">← Previous</a>`}</span
    >
    <span
      >${nextOffset === undefined ? "" : html`<a class="button small" href="${basePath}${query({ ...params, offset: nextOffset })}">Next →</a>`}</span
    >
  </nav>`;
}

/** Messages for one field, linked from the input with aria-describedby. */
export function fieldErrors(id: string, messages: readonly string[] | undefined): SafeHtml {
  if (messages === undefined || messages.length === 0) return html``;
  return html`<p class="field-error" id="${id}-error">${messages.join("; ")}</p>`;
}

/** Attributes marking an input invalid and pointing at its error text. */
export function invalidAttrs(id: string, messages: readonly string[] | undefined): SafeHtml {
  if (messages === undefined || messages.length === 0) return html``;
  return html` aria-invalid="true" aria-describedby="${id}-error"`;
}

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}" />`;
}

export function prettyJson(value: unknown): string {
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2) ?? "";
}
