import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Debian's build (apt-get install chromium); `npx playwright install` cannot download here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// ../shared/SERVICES.md: the flags the CI machines need for headless Chromium.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const SCREENSHOT_DIR = resolve("test-results/screenshots");

/**
 * Whether Chromium is installed. Under CI=true a missing browser is a failure (.ci/run installs
 * it), elsewhere browser tests skip with a loud note.
 */
export function isChromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === "true") {
    throw new Error(`Chromium is required under CI=true but is not at ${CHROMIUM_PATH}`);
  }
  process.stderr.write(
    `\n*** Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium): browser tests are SKIPPED ***\n\n`,
  );
  return false;
}

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Saves a full-page PNG under test-results/screenshots/. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A fresh Chromium profile (its own --user-data-dir) with one page open. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "frontdesk-chromium-"));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1366, height: 900 },
    locale: "en-AU",
    timezoneId: "Australia/Sydney",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    screenshot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
