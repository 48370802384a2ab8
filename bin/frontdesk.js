#!/usr/bin/env node
// Production entry for the `frontdesk` CLI: runs the compiled output. In development use `npm run cli`.
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath, URL } from "node:url";

const compiled = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write(
    "frontdesk: dist/ is missing; run `npm run build` first (or use `npm run cli --`).\n",
  );
  process.exit(1);
}
await import(compiled);
