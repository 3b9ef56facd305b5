// Writes the page's Content-Security-Policy: Trunk puts an inline loader script into index.html,
// and the policy allows exactly that script by its SHA-256 hash (never 'unsafe-inline'), so no
// other inline script can run. Run by Trunk after each build (TRUNK_STAGING_DIR), or by hand on a
// dist/ folder. The policy itself is written in index.html; `'sha256-LOADER'` marks where the
// hashes go.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.TRUNK_STAGING_DIR || process.argv[2] || "dist";
const file = join(dir, "index.html");
const html = readFileSync(file, "utf8");
const marker = "'sha256-LOADER'";
if (!html.includes(marker)) {
  console.error(`csp: ${file} has no ${marker} in its Content-Security-Policy`);
  process.exit(1);
}
// Inline scripts: a <script> without src. Their hash covers the text between the tags, exactly.
const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
  (m) => `'sha256-${createHash("sha256").update(m[1], "utf8").digest("base64")}'`,
);
if (hashes.length === 0) {
  console.error("csp: no inline loader script found");
  process.exit(1);
}
writeFileSync(file, html.replace(marker, hashes.join(" ")));
console.log(`csp: script-src allows ${hashes.length} inline script(s) by hash`);
