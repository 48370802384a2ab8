import { createHmac } from "node:crypto";
import type { WebhookAuthConfig } from "../config.js";

/** How requests are authenticated: the server accepts any one of these (protocol reference §8). */
export type SigningMethod = "secret" | "bearer" | "hmac" | "none";

/** Headers for one exact body; sign the bytes you send, then send exactly those bytes. */
export type RequestSigner = (rawBody: string | Buffer, nowMs?: number) => Record<string, string>;

export interface RequestSigning {
  method: SigningMethod;
  sign: RequestSigner;
}

/**
 * Signs requests the way Vapi does, with the server's own settings (VAPI_SECRET, VAPI_HMAC_*),
 * so the simulator, `replay` and `sign` reuse the configuration the server reads.
 * - `hmac`: HMAC(first VAPI_HMAC_SECRET, "{unix seconds}.{raw body}") in the configured headers,
 *   algorithm, encoding and prefix.
 * - `secret`: `X-Vapi-Secret: <first VAPI_SECRET>` (the server always accepts that header).
 * - `bearer`: `Authorization: Bearer <first VAPI_SECRET>`.
 * Default: HMAC when HMAC keys are configured, else the shared secret, else nothing.
 * @throws Error when the chosen method has no credential configured.
 */
export function createRequestSigning(
  auth: WebhookAuthConfig,
  method: SigningMethod | undefined = undefined,
): RequestSigning {
  const chosen =
    method ?? (auth.hmac.secrets.length > 0 ? "hmac" : auth.secrets.length > 0 ? "secret" : "none");
  switch (chosen) {
    case "none":
      return { method: chosen, sign: () => ({}) };
    case "secret":
    case "bearer": {
      const secret = auth.secrets[0];
      if (secret === undefined) throw new Error(`--auth ${chosen} needs VAPI_SECRET to be set`);
      const header = chosen === "bearer" ? "authorization" : "x-vapi-secret";
      const value = chosen === "bearer" ? `Bearer ${secret}` : secret;
      return { method: chosen, sign: () => ({ [header]: value }) };
    }
    case "hmac": {
      const key = auth.hmac.secrets[0];
      if (key === undefined) throw new Error("--auth hmac needs VAPI_HMAC_SECRET to be set");
      const { algorithm, encoding, prefix, signatureHeader, timestampHeader } = auth.hmac;
      return {
        method: chosen,
        sign: (rawBody, nowMs = Date.now()) => {
          const timestamp = String(Math.floor(nowMs / 1000));
          const digest = createHmac(algorithm, key)
            .update(`${timestamp}.`)
            .update(rawBody)
            .digest(encoding);
          return { [signatureHeader]: `${prefix}${digest}`, [timestampHeader]: timestamp };
        },
      };
    }
  }
}
