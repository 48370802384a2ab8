import type { BookingItem, LeadItem, MessageItem } from "../dashboard-reader.js";
import { humanize } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import { callHref, empty, phone, timeTag } from "./components.js";

function callLink(callId: string | null): SafeHtml {
  return callId === null
    ? html`<span class="muted">—</span>`
    : html`<a href="${callHref(callId)}">View call</a>`;
}

function urgencyBadge(urgency: string | null): SafeHtml {
  if (urgency === null) return html`<span class="muted">—</span>`;
  const tone = urgency === "emergency" ? "danger" : urgency === "today" ? "warn" : "accent";
  return html`<span class="badge ${tone}">${humanize(urgency)}</span>`;
}

export function leadsTable(leads: readonly LeadItem[]): SafeHtml {
  if (leads.length === 0) return empty("No leads yet.");
  return html`<div class="table-wrap">
    <table>
      <caption class="visually-hidden">
        Leads, newest first
      </caption>
      <thead>
        <tr>
          <th scope="col">Caller</th>
          <th scope="col">Enquiry</th>
          <th scope="col">Urgency</th>
          <th scope="col">Received</th>
          <th scope="col">Call</th>
        </tr>
      </thead>
      <tbody>
        ${leads.map(
          (lead) =>
            html`<tr>
              <td>
                <div class="row-title">${lead.name ?? "Unnamed caller"}</div>
                <div class="row-sub">${phone(lead.callbackNumber ?? lead.callerNumber)}</div>
              </td>
              <td>
                <div>
                  ${lead.service ?? html`<span class="muted">No service given</span>`}${lead.suburb === null ? "" : html` · ${lead.suburb}`}
                </div>
                ${lead.notes === null ? "" : html`<div class="row-sub">${lead.notes}</div>`}
              </td>
              <td>${urgencyBadge(lead.urgency)}</td>
              <td class="nowrap">${timeTag(lead.createdAt)}</td>
              <td>${callLink(lead.callId)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function bookingsTable(bookings: readonly BookingItem[]): SafeHtml {
  if (bookings.length === 0) return empty("No bookings yet.");
  return html`<div class="table-wrap">
    <table>
      <caption class="visually-hidden">
        Bookings, latest appointment first
      </caption>
      <thead>
        <tr>
          <th scope="col">Appointment</th>
          <th scope="col">Customer</th>
          <th scope="col">Service</th>
          <th scope="col">Status</th>
          <th scope="col">Call</th>
        </tr>
      </thead>
      <tbody>
        ${bookings.map(
          (booking) =>
            html`<tr>
              <td class="nowrap">
                ${timeTag(booking.slotStart)}
                <div class="row-sub">until ${timeTag(booking.slotEnd, "time")}</div>
              </td>
              <td>
                <div class="row-title">${booking.name ?? "Unnamed"}</div>
                <div class="row-sub">${phone(booking.phone)}</div>
              </td>
              <td>
                ${booking.service ?? html`<span class="muted">—</span>`}${booking.notes === null ? "" : html`<div class="row-sub">${booking.notes}</div>`}
              </td>
              <td>
                <span class="badge ${booking.status === "confirmed" ? "live" : ""}"
                  >${humanize(booking.status)}</span
                >
              </td>
              <td>${callLink(booking.callId)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function messagesTable(messages: readonly MessageItem[]): SafeHtml {
  if (messages.length === 0) return empty("No messages yet.");
  return html`<div class="table-wrap">
    <table>
      <caption class="visually-hidden">
        Messages, newest first
      </caption>
      <thead>
        <tr>
          <th scope="col">From</th>
          <th scope="col">Message</th>
          <th scope="col">Received</th>
          <th scope="col">Call</th>
        </tr>
      </thead>
      <tbody>
        ${messages.map(
          (message) =>
            html`<tr>
              <td>
                <div class="row-title">${message.name ?? "Unnamed caller"}</div>
                <div class="row-sub">${phone(message.callbackNumber ?? message.callerNumber)}</div>
              </td>
              <td>${message.message}</td>
              <td class="nowrap">${timeTag(message.createdAt)}</td>
              <td>${callLink(message.callId)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
