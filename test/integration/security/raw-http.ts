import { request as httpRequest, type OutgoingHttpHeader } from "node:http";
import { connect } from "node:net";

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * POSTs to /vapi/webhook with Node's client, which (unlike fetch) can repeat a header: an array
 * value is sent as one header line per entry.
 */
export function postWithHeaderLines(
  baseUrl: string,
  body: string,
  headers: Record<string, OutgoingHttpHeader>,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}/vapi/webhook`, { method: "POST" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.setHeader("content-type", "application/json");
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Writes raw bytes on a fresh TCP connection and returns everything the server sent until it
 * closed the connection (or `timeoutMs` passed): for requests no HTTP client will send.
 */
export function rawExchange(baseUrl: string, bytes: string, timeoutMs = 5000): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    // The server may close while we are still writing (it stops reading at the limit).
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNRESET" && error.code !== "EPIPE") reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    socket.write(bytes, "latin1");
  });
}
