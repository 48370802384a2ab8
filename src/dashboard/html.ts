/**
 * A tiny HTML builder: the `html` tag escapes every interpolated value unless it is already
 * `SafeHtml` (the output of another `html` call or of `raw`). Arrays are joined, and `undefined`,
 * `null` and `false` render nothing, so templates can use `cond && html\`…\`` and `list.map(…)`.
 */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export type HtmlValue =
  SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Escapes text for use in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char] ?? char);
}

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false || value === true) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? "");
  });
  return new SafeHtml(out);
}

/** Trusted markup, used as is. Only for constants written in this codebase. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** `class="a b"` from a map of class name to condition. */
export function classes(map: Record<string, boolean | undefined>): string {
  return Object.entries(map)
    .filter(([, on]) => on === true)
    .map(([name]) => name)
    .join(" ");
}
