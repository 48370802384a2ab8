import type { TestServer } from "../../helpers/start-server.js";

export interface PageResponse {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * A browser-like HTTP client for the dashboard: keeps the session cookie, posts urlencoded forms,
 * never follows redirects (tests assert them).
 */
export interface DashboardClient {
  cookie: string | undefined;
  get(path: string, headers?: Record<string, string>): Promise<PageResponse>;
  post(
    path: string,
    form: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<PageResponse>;
  /** Signs in with a token; returns the login response. */
  signIn(token: string): Promise<PageResponse>;
  /** The CSRF token of the current session, read from a page's form. */
  csrf(): Promise<string>;
}

export function dashboardClient(server: TestServer): DashboardClient {
  const client: DashboardClient = {
    cookie: undefined,

    async get(path, headers = {}) {
      const response = await fetch(`${server.url}${path}`, {
        redirect: "manual",
        headers: { ...(client.cookie === undefined ? {} : { cookie: client.cookie }), ...headers },
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    },

    async post(path, form, headers = {}) {
      const response = await fetch(`${server.url}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...(client.cookie === undefined ? {} : { cookie: client.cookie }),
          ...headers,
        },
        body: new URLSearchParams(form).toString(),
      });
      const setCookie = response.headers.get("set-cookie");
      if (setCookie !== null) {
        const value = /^frontdesk_session=([^;]*)/.exec(setCookie)?.[1];
        client.cookie =
          value === undefined || value === "" ? undefined : `frontdesk_session=${value}`;
      }
      return { status: response.status, headers: response.headers, text: await response.text() };
    },

    async signIn(token) {
      return client.post("/dashboard/login", { token });
    },

    async csrf() {
      const page = await client.get("/dashboard");
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
      if (token === undefined) throw new Error(`no CSRF token on the page (status ${page.status})`);
      return token;
    },
  };
  return client;
}

/** Reads server-sent events from the live stream until `until` accepts one, or times out. */
export async function readLiveEvents(
  server: TestServer,
  cookie: string,
  until: (data: {
    cards: Record<string, string>;
    order: { active: string[]; recent: string[] };
  }) => boolean,
  timeoutMs = 8000,
): Promise<{ cards: Record<string, string>; order: { active: string[]; recent: string[] } }[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: { cards: Record<string, string>; order: { active: string[]; recent: string[] } }[] =
    [];
  try {
    const response = await fetch(`${server.url}/dashboard/live/events`, {
      headers: { cookie, accept: "text/event-stream" },
      signal: controller.signal,
    });
    if (response.body === null) throw new Error("no stream");
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split("\n")
          .filter((line) => line.startsWith("data: "))
          .map((line) => line.slice(6))
          .join("\n");
        if (!block.includes("event: update") || data === "") continue;
        const event = JSON.parse(data) as (typeof events)[number];
        events.push(event);
        if (until(event)) return events;
      }
    }
    return events;
  } catch (error) {
    if (controller.signal.aborted) return events;
    throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
