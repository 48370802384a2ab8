import fc from "fast-check";
import { fuzzCaseArbitrary, renderFuzzCase } from "../test/integration/security/fuzz-cases.js";
const target = { tenantId: "t", vapiPhoneNumberId: "p", number: "+61255501234", hmacSecret: "k", day: "2026-11-26" };
const arb = fuzzCaseArbitrary();
let n = 0; const t = performance.now();
for (let b = 0; b < 150; b += 1) {
  for (const c of fc.sample(arb, { numRuns: 500, seed: 100 + b })) { renderFuzzCase(c, target, Date.now()); n += 1; }
}
console.log("rendered", n, "in", ((performance.now() - t) / 1000).toFixed(1), "s");
