import { describe, expect, it } from "vitest";
import { html, raw } from "../../../src/dashboard/html.js";

describe("html", () => {
  it("escapes every interpolated string, in text and in attributes", () => {
    const name = `<img src=x onerror="alert('1')"> & \`co\``;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; &#96;co&#96;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; &#96;co&#96;</p>',
    );
  });

  it("keeps nested html and raw markup, joins arrays and drops empty values", () => {
    const items = ["a<b", "c"].map((item) => html`<li>${item}</li>`);
    // prettier-ignore
    const markup = html`<ul>${items}</ul>${raw("<hr>")}${undefined}${null}${false}${0}`;
    expect(markup.value).toBe("<ul><li>a&lt;b</li><li>c</li></ul><hr>0");
  });
});
