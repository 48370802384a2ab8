import { checkAnswer, messageTypeOf } from "./protocol-checks.js";
import type { RequestSigner } from "./sign-request.js";

/** One request and its answer, checked against the protocol. */
export interface Exchange {
  /** The message type sent, e.g. "tool-calls". */
  type: string;
  payload: unknown;
  /** 0 when no HTTP answer came back (refused, timed out). */
  status: number;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
  durationMs: number;
  /** Protocol violations; empty when the answer is fine. */
  violations: string[];
}

export interface WebhookClientOptions {
  /** A server's base URL (`http://host:3000`) or its full webhook URL. */
  url: string;
  sign: RequestSigner;
  /** Give up on one request after this long. Default 20 000 ms (Vapi's default server timeout). */
  timeoutMs?: number;
}

export interface WebhookClient {
  /** The resolved webhook URL. */
  readonly url: string;
  /** Sends `payload` exactly as serialized once, signed over those bytes. */
  send(payload: unknown): Promise<Exchange>;
  /** Sends raw bytes as they are (replay of captured payloads). */
  sendRaw(rawBody: string, payload: unknown): Promise<Exchange>;
}

/** `http://host:3000` and `http://host:3000/` mean the webhook path; any other path is kept. */
export function resolveWebhookUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === "/" || parsed.pathname === "") parsed.pathname = "/vapi/webhook";
  return parsed.toString();
}

/** A signed HTTP client for one frontdesk (local or deployed), using global fetch. */
export function createWebhookClient(options: WebhookClientOptions): WebhookClient {
  const url = resolveWebhookUrl(options.url);
  const timeoutMs = options.timeoutMs ?? 20_000;

  async function sendRaw(rawBody: string, payload: unknown): Promise<Exchange> {
    const type = messageTypeOf(payload);
    const started = performance.now();
    let status = 0;
    let body = "";
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...options.sign(rawBody) },
        body: rawBody,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      body = await response.text();
    } catch (error) {
      const durationMs = performance.now() - started;
      const reason =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      return {
        type,
        payload,
        status: 0,
        body: "",
        json: undefined,
        durationMs,
        violations: [`no answer from ${url}: ${reason}`],
      };
    }
    const durationMs = performance.now() - started;
    return {
      type,
      payload,
      status,
      body,
      json: parseJson(body),
      durationMs,
      violations: checkAnswer({ payload, status, body, durationMs }),
    };
  }

  return {
    url,
    send: (payload) => sendRaw(JSON.stringify(payload), payload),
    sendRaw,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
