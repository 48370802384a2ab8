import type { CallDetail } from "../dashboard-reader.js";
import { formatCost, formatDuration, humanize, isFailureReason, statusLabel } from "../format.js";
import { html, type HtmlValue, type SafeHtml } from "../html.js";
import {
  card,
  endedReasonBadge,
  phone,
  prettyJson,
  statusBadge,
  tenantHref,
  timeTag,
} from "./components.js";
import { layout, type PageContext } from "./layout.js";
import { bookingsTable, leadsTable, messagesTable } from "./record-tables.js";

type Entry = Record<string, unknown>;

interface TimelineItem {
  atMs: number;
  iso: string;
  kind: "status" | "tool" | "transfer" | "record" | "error";
  title: HtmlValue;
  detail?: HtmlValue;
}

export function callPage(ctx: PageContext, detail: CallDetail): SafeHtml {
  const { call } = detail;
  const messages = Array.isArray(call.messages)
    ? (call.messages as unknown[]).filter(isRecord)
    : [];
  const stats = html`<div class="stats">
    <div class="card stat">
      <div class="label">Status</div>
      <div class="value small">${statusBadge(call.status)}</div>
    </div>
    <div class="card stat">
      <div class="label">Duration</div>
      <div class="value">${formatDuration(call.durationSeconds)}</div>
    </div>
    <div class="card stat">
      <div class="label">Cost</div>
      <div class="value">${formatCost(call.cost)}</div>
    </div>
    <div class="card stat">
      <div class="label">Ended reason</div>
      <div class="value small">${endedReasonBadge(call.endedReason)}</div>
    </div>
  </div>`;

  const facts = card({
    title: "Call",
    body: html`<dl class="facts">
      <dt>Business</dt>
      <dd><a href="${tenantHref(call.tenantId)}">${call.tenantName}</a></dd>
      <dt>Caller</dt>
      <dd>${phone(call.callerNumber)}</dd>
      <dt>Number dialled</dt>
      <dd>${phone(call.dialedNumber)}</dd>
      <dt>Started</dt>
      <dd>${timeTag(call.startedAt ?? call.createdAt)}</dd>
      <dt>Ended</dt>
      <dd>${timeTag(call.endedAt)}</dd>
      <dt>Vapi call id</dt>
      <dd class="mono">${call.id}</dd>
      ${
        call.successEvaluation === null
          ? ""
          : html`<dt>Success</dt>
              <dd>${call.successEvaluation}</dd>`
      }
    </dl>`,
  });

  const purged =
    call.contentPurgedAt === null
      ? ""
      : html`<div class="alert info" role="status">
          The transcript and recording were removed on ${timeTag(call.contentPurgedAt)} under this
          business's retention setting.
        </div>`;

  const recordingUrl = safeUrl(call.recordingUrl);
  const stereoUrl = safeUrl(call.stereoRecordingUrl);
  const recording = card({
    title: "Recording",
    body:
      recordingUrl === undefined && stereoUrl === undefined
        ? html`<p class="muted">No recording for this call.</p>`
        : html`${recordingUrl === undefined ? "" : html`<audio controls preload="none" src="${recordingUrl}"><a href="${recordingUrl}">Download the recording</a></audio>`}
            <p>
              ${recordingUrl === undefined ? "" : html`<a href="${recordingUrl}" rel="noopener noreferrer" target="_blank">Open recording</a>`}${stereoUrl === undefined ? "" : html` · <a href="${stereoUrl}" rel="noopener noreferrer" target="_blank">Stereo recording</a>`}
            </p>`,
  });

  const summary = card({
    title: "Summary",
    body: html`${call.summary === null ? html`<p class="muted">No summary yet${call.status === "ended" ? "" : ": it arrives with the end-of-call report"}.</p>` : html`<p>${call.summary}</p>`}
    ${structuredData(call.structuredData)}`,
  });

  const records = [
    detail.leads.length === 0
      ? ""
      : card({ title: "Lead", flush: true, body: leadsTable(detail.leads) }),
    detail.bookings.length === 0
      ? ""
      : card({ title: "Booking", flush: true, body: bookingsTable(detail.bookings) }),
    detail.messages.length === 0
      ? ""
      : card({ title: "Message", flush: true, body: messagesTable(detail.messages) }),
  ];

  const body = html`${stats}${purged}
    <div class="grid-3">
      <div class="stack">
        ${summary} ${records}
        ${card({ title: "Conversation", id: "transcript", body: conversation(messages, call.transcript) })}
      </div>
      <div class="stack">
        ${facts} ${recording}
        ${card({ title: "Timeline", id: "timeline", body: timeline(detail, messages) })}
        ${costCard(call.cost, call.costBreakdown)}
      </div>
    </div>`;
  return layout(ctx, {
    title: call.callerNumber === null ? "Call" : `Call from ${call.callerNumber}`,
    nav: "calls",
    crumbs: [
      { label: "Calls", href: "/dashboard/calls" },
      {
        label: call.tenantName,
        href: `/dashboard/calls?tenant=${encodeURIComponent(call.tenantId)}`,
      },
    ],
    subtitle: html`${call.tenantName} · ${timeTag(call.startedAt ?? call.createdAt)}`,
    body,
  });
}

function structuredData(data: unknown): HtmlValue {
  if (!isRecord(data) || Object.keys(data).length === 0) return "";
  return html`<h3 class="muted">Details captured</h3>
    <dl class="facts">
      ${Object.entries(data).map(
        ([key, value]) =>
          html`<dt>${humanize(key.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase())}</dt>
            <dd>${typeof value === "string" ? value : JSON.stringify(value)}</dd>`,
      )}
    </dl>`;
}

/** The transcript as a conversation: Vapi's message history, else the plain transcript text. */
function conversation(messages: Entry[], transcript: string | null): HtmlValue {
  const bubbles: SafeHtml[] = [];
  for (const entry of messages) {
    const role = typeof entry.role === "string" ? entry.role : "";
    const at = typeof entry.secondsFromStart === "number" ? clock(entry.secondsFromStart) : "";
    const text =
      typeof entry.message === "string"
        ? entry.message
        : typeof entry.content === "string"
          ? entry.content
          : "";
    if (role === "user" && text !== "") bubbles.push(bubble("caller", "Caller", at, text));
    else if ((role === "bot" || role === "assistant") && text !== "") {
      bubbles.push(bubble("assistant", "Assistant", at, text));
    } else if (role === "tool_calls") {
      const names = toolCallsOf(entry)
        .map((call) => call.name)
        .join(", ");
      if (names !== "") bubbles.push(bubble("tool", "Tool", at, `Used ${names}`));
    }
  }
  if (bubbles.length === 0 && transcript !== null && transcript.trim() !== "") {
    for (const line of transcript.split(/\r?\n/)) {
      const match = /^(AI|Assistant|Bot|User|Customer):\s*(.*)$/i.exec(line.trim());
      if (match === null) continue;
      const isCaller = /^(user|customer)$/i.test(match[1] ?? "");
      bubbles.push(
        bubble(
          isCaller ? "caller" : "assistant",
          isCaller ? "Caller" : "Assistant",
          "",
          match[2] ?? "",
        ),
      );
    }
  }
  if (bubbles.length === 0) return html`<p class="muted">No transcript yet.</p>`;
  return html`<ol class="conversation" aria-label="Transcript">
    ${bubbles}
  </ol>`;
}

function bubble(kind: string, speaker: string, at: string, text: string): SafeHtml {
  return html`<li class="bubble ${kind}">
    <span class="speaker">${speaker}${at === "" ? "" : html`<span class="at">${at}</span>`}</span
    >${text}
  </li>`;
}

function timeline(detail: CallDetail, messages: Entry[]): HtmlValue {
  const items: TimelineItem[] = [];
  const push = (iso: string, item: Omit<TimelineItem, "atMs" | "iso">) => {
    const atMs = Date.parse(iso);
    items.push({ ...item, iso, atMs: Number.isNaN(atMs) ? 0 : atMs });
  };
  for (const event of detail.statusEvents) {
    push(event.occurredAt, {
      kind: isFailureReason(event.endedReason) ? "error" : "status",
      title: html`${statusLabel(event.status)}`,
      detail:
        event.endedReason === null
          ? undefined
          : html`<div class="muted">${humanize(event.endedReason)}</div>`,
    });
  }
  const recorded = new Set(detail.toolInvocations.map((tool) => tool.toolCallId));
  for (const tool of detail.toolInvocations) {
    push(tool.createdAt, {
      kind: tool.outcome === "error" ? "error" : "tool",
      title: html`Tool
        <code>${tool.toolName}</code>
        ${tool.outcome === "error" ? html`<span class="badge danger">failed</span>` : tool.outcome === "pending" ? html`<span class="badge warn">running</span>` : html`<span class="badge live">ok</span>`}`,
      detail: toolDetail(tool.arguments, tool.result),
    });
  }
  // Tools without side effects are not stored; the conversation still shows what they did.
  const results = new Map<string, string>();
  for (const entry of messages) {
    if (entry.role === "tool_call_result" && typeof entry.toolCallId === "string") {
      results.set(
        entry.toolCallId,
        typeof entry.result === "string" ? entry.result : JSON.stringify(entry.result),
      );
    }
  }
  for (const entry of messages) {
    if (entry.role !== "tool_calls" || typeof entry.time !== "number") continue;
    for (const call of toolCallsOf(entry)) {
      if (call.id !== undefined && recorded.has(call.id)) continue;
      push(new Date(entry.time).toISOString(), {
        kind: "tool",
        title: html`Tool <code>${call.name}</code>`,
        detail: toolDetail(call.args, call.id === undefined ? undefined : results.get(call.id)),
      });
    }
  }
  for (const transfer of detail.transfers) {
    push(transfer.createdAt, {
      kind: "transfer",
      title: html`Transferred to ${phone(transfer.destinationNumber)}`,
      detail: html`<div class="muted">
        ${transfer.kind === "emergency" ? "Emergency" : "Front desk"}${transfer.reason === null ? "" : ` · ${transfer.reason}`}
      </div>`,
    });
  }
  for (const lead of detail.leads) {
    push(lead.createdAt, {
      kind: "record",
      title: html`Lead saved: ${lead.name ?? "unnamed caller"}`,
    });
  }
  for (const booking of detail.bookings) {
    push(booking.createdAt, { kind: "record", title: html`Booked ${timeTag(booking.slotStart)}` });
  }
  for (const message of detail.messages) {
    push(message.createdAt, { kind: "record", title: html`Message taken` });
  }
  if (detail.call.reportReceivedAt !== null) {
    push(detail.call.reportReceivedAt, {
      kind: "record",
      title: html`End-of-call report received`,
    });
  }
  if (items.length === 0) return html`<p class="muted">Nothing recorded yet.</p>`;
  items.sort((a, b) => a.atMs - b.atMs);
  return html`<ol class="timeline">
    ${items.map(
      (item) =>
        html`<li class="${item.kind}">
          <div class="when">${timeTag(item.iso, "time")}</div>
          <div class="what">${item.title}</div>
          ${item.detail}
        </li>`,
    )}
  </ol>`;
}

function toolDetail(args: unknown, result: string | undefined): SafeHtml {
  const hasArgs = isRecord(args) ? Object.keys(args).length > 0 : args !== undefined;
  return html`${result === undefined || result === "" ? "" : html`<div class="tool-result">${result}</div>`}
  ${
    hasArgs
      ? html`<details>
          <summary>Arguments</summary>
          <pre class="json">${prettyJson(args)}</pre>
        </details>`
      : ""
  }`;
}

function costCard(total: number | null, breakdown: unknown): HtmlValue {
  const costs =
    isRecord(breakdown) && Array.isArray(breakdown.costs) ? breakdown.costs.filter(isRecord) : [];
  if (costs.length === 0 && total === null) return "";
  return card({
    title: "Cost",
    hint: formatCost(total),
    flush: true,
    body:
      costs.length === 0
        ? html`<div class="card-body muted">No breakdown.</div>`
        : html`<table>
            <caption class="visually-hidden">
              Cost breakdown
            </caption>
            <thead>
              <tr>
                <th scope="col">Part</th>
                <th scope="col" class="num">Cost</th>
              </tr>
            </thead>
            <tbody>
              ${costs.map(
                (item) =>
                  html`<tr>
                    <td>
                      ${humanize(typeof item.type === "string" ? item.type : "other")}${costSource(item)}
                    </td>
                    <td class="num">
                      ${formatCost(typeof item.cost === "number" ? item.cost : null)}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`,
  });
}

function costSource(item: Entry): HtmlValue {
  for (const key of ["model", "transcriber", "voice"]) {
    const part = item[key];
    if (isRecord(part)) {
      const name = [part.provider, part.model].filter((v) => typeof v === "string").join(" · ");
      if (name !== "") return html`<div class="row-sub">${name}</div>`;
    }
  }
  return "";
}

function toolCallsOf(entry: Entry): { id: string | undefined; name: string; args: unknown }[] {
  const list = entry.toolCalls ?? entry.tool_calls;
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((call) => {
    const fn = isRecord(call.function) ? call.function : call;
    const raw = fn.arguments ?? fn.parameters;
    let args: unknown = raw;
    if (typeof raw === "string") {
      try {
        args = JSON.parse(raw) as unknown;
      } catch {
        args = raw;
      }
    }
    return {
      id: typeof call.id === "string" ? call.id : undefined,
      name: typeof fn.name === "string" ? fn.name : "tool",
      args,
    };
  });
}

function clock(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/** Only http(s) links are rendered: a stored `javascript:` URL must never become clickable. */
function safeUrl(url: string | null): string | undefined {
  return url !== null && /^https?:\/\//i.test(url) ? url : undefined;
}

function isRecord(value: unknown): value is Entry {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
