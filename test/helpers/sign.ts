import { createHmac } from "node:crypto";

export interface HmacSignOptions {
  secret: string;
  algorithm?: "sha256" | "sha512" | "sha1";
  encoding?: "hex" | "base64";
  prefix?: string;
  /** Seconds or milliseconds since the epoch, sent as-is. Default: now, in seconds. */
  timestamp?: number | string;
  signatureHeader?: string;
  timestampHeader?: string;
}

/** Signs a body the way a Vapi HMAC credential does: HMAC(secret, "{timestamp}.{raw body}"). */
export function signHmac(
  rawBody: string | Buffer,
  options: HmacSignOptions,
): Record<string, string> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const digest = createHmac(options.algorithm ?? "sha256", options.secret)
    .update(`${timestamp}.`)
    .update(rawBody)
    .digest(options.encoding ?? "hex");
  return {
    [options.signatureHeader ?? "x-signature"]: `${options.prefix ?? ""}${digest}`,
    [options.timestampHeader ?? "x-timestamp"]: timestamp,
  };
}
