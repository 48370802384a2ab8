import { createHash } from "node:crypto";
import { DASHBOARD_CSS } from "./dashboard-css.js";
import { DASHBOARD_JS } from "./dashboard-js.js";

export interface Asset {
  body: string;
  contentType: string;
  /** Content hash: the ETag, and the `?v=` that lets browsers cache the file for good. */
  hash: string;
}

function asset(body: string, contentType: string): Asset {
  return { body, contentType, hash: createHash("sha256").update(body).digest("hex").slice(0, 16) };
}

/** The dashboard's static files by name (served under /dashboard/assets/). */
export const ASSETS: Readonly<Record<string, Asset>> = {
  "dashboard.css": asset(DASHBOARD_CSS, "text/css; charset=utf-8"),
  "dashboard.js": asset(DASHBOARD_JS, "text/javascript; charset=utf-8"),
};

/** The versioned URL of an asset, for pages to link. */
export function assetUrl(name: string): string {
  return `/dashboard/assets/${name}?v=${ASSETS[name]?.hash ?? "0"}`;
}
