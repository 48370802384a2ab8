import { Webhook } from "standardwebhooks";

export interface SendWebhookInput {
  url: string;
  /** `webhook-id`: the delivery id, the same on every attempt so receivers can deduplicate. */
  webhookId: string;
  body: string;
  /** "whsec_…" (validated in the tenant document). */
  secret: string;
  /** When the attempt is made; signed as `webhook-timestamp` (seconds). */
  now: Date;
  timeoutMs: number;
  /** Aborts the request early (worker shutdown). */
  signal: AbortSignal;
}

export interface SendOutcome {
  ok: boolean;
  statusCode: number | undefined;
  error: string | undefined;
  durationMs: number;
}

/**
 * One POST signed per the Standard Webhooks spec: `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` (`v1,` + base64 HMAC-SHA256 of "id.timestamp.body" with the secret's key),
 * produced by the `standardwebhooks` package that receivers verify with. A 2xx is success;
 * any other status, a redirect (not followed: the tenant configured this exact URL), a network
 * error or no answer within `timeoutMs` is a failed attempt. Never throws.
 */
export async function sendWebhook(input: SendWebhookInput): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const headers = {
    "content-type": "application/json",
    "user-agent": "frontdesk-webhooks/1",
    "webhook-id": input.webhookId,
    "webhook-timestamp": String(Math.floor(input.now.getTime() / 1000)),
    "webhook-signature": new Webhook(input.secret).sign(input.webhookId, input.now, input.body),
  };
  try {
    const response = await fetch(input.url, {
      method: "POST",
      headers,
      body: input.body,
      redirect: "manual",
      signal: AbortSignal.any([input.signal, AbortSignal.timeout(input.timeoutMs)]),
    });
    // The answer's body is not used; release the connection without reading it.
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return {
      ok,
      statusCode: response.status,
      error: ok ? undefined : `the receiver answered ${response.status}`,
      durationMs: elapsed(),
    };
  } catch (error) {
    return {
      ok: false,
      statusCode: undefined,
      error: describeFailure(error, input),
      durationMs: elapsed(),
    };
  }
}

function describeFailure(error: unknown, input: SendWebhookInput): string {
  if (input.signal.aborted) return "interrupted: the worker stopped during the request";
  if (error instanceof Error && error.name === "TimeoutError") {
    return `no answer within ${input.timeoutMs} ms`;
  }
  const cause =
    error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `request failed: ${error instanceof Error ? error.message : String(error)}${cause}`;
}
