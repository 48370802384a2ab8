/*
 * A tool-calls body cut down to some of its tool calls, for `webhook-cpu.ts --keep-tools`: the
 * rest of the message (history, assistant echo, call) stays as it was, so the difference between
 * runs is what the dropped tools cost inside the pipeline, not in a loop of their own.
 */

export interface KeptToolCalls {
  body: string;
  /** The kept calls' ids, in the order their results must come back. */
  expected: string[];
}

/**
 * Keeps the tool calls named in `keep` in every list Vapi sends them in (`toolCallList`,
 * `toolWithToolCallList`, `toolCalls`). A body that is not a tool-calls message is an error:
 * the option only makes sense for scenarios made of them.
 */
export function keepToolCalls(body: string, keep: ReadonlySet<string>): KeptToolCalls {
  const parsed = JSON.parse(body) as { message?: Record<string, unknown> };
  const message = parsed.message;
  if (message?.type !== "tool-calls") throw new Error("not a tool-calls message");
  const expected: string[] = [];
  const toolCallList = message.toolCallList;
  if (Array.isArray(toolCallList)) {
    message.toolCallList = toolCallList.filter((call: unknown) => keep.has(nameOf(call)));
    for (const call of message.toolCallList as unknown[]) expected.push(idOf(call));
  }
  for (const key of ["toolWithToolCallList", "toolCalls"]) {
    const list = message[key];
    if (Array.isArray(list))
      message[key] = list.filter((entry: unknown) => keep.has(nameOf(entry)));
  }
  return { body: JSON.stringify(parsed), expected };
}

/** `{function: {name}}`, `{name}` or `{toolCall: {function: {name}}}`. */
function nameOf(entry: unknown): string {
  const record = asRecord(entry);
  const fn = asRecord(record.function);
  const toolCall = asRecord(record.toolCall);
  const name = fn.name ?? record.name ?? asRecord(toolCall.function).name;
  return typeof name === "string" ? name : "";
}

function idOf(call: unknown): string {
  const id = asRecord(call).id;
  if (typeof id !== "string") throw new Error("a tool call without an id");
  return id;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

/**
 * The answer to a cut-down body: 200, one result per kept call in order, none of them an error
 * (a tool that failed would have cost less than one that did its work).
 */
export function checkKeptToolResults(
  status: number,
  body: string,
  expected: readonly string[],
): { ok: true } | { ok: false; problem: string } {
  if (status !== 200) return { ok: false, problem: `status ${status}: ${body.slice(0, 200)}` };
  const results = asRecord(JSON.parse(body) as unknown).results;
  if (!Array.isArray(results) || results.length !== expected.length) {
    return { ok: false, problem: `expected ${expected.length} results: ${body.slice(0, 200)}` };
  }
  for (const [index, entry] of results.entries()) {
    const result = asRecord(entry);
    if (result.toolCallId !== expected[index]) {
      return { ok: false, problem: `result ${index} answers ${String(result.toolCallId)}` };
    }
    if (result.error !== undefined) {
      return { ok: false, problem: `result ${index} is an error: ${JSON.stringify(result.error)}` };
    }
  }
  return { ok: true };
}
