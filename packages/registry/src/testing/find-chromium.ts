// Test support: Debian's Chromium for the review page's browser test. Internal.
import { existsSync } from "node:fs";

/** Where Debian's `chromium` package puts the browser (and other distributions' names for it). */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"];

/**
 * The Chromium executable: `CHROMIUM_PATH` when set, else Debian's. Throws (never skips) when there
 * is none, saying how to install it.
 */
export function findChromium(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv))
      throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist: unset it or point it at chromium`);
    return fromEnv;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      `Chromium is not installed (looked for ${CANDIDATES.join(", ")}): the review page's browser test needs it. ` +
        "Run `node scripts/setup.mjs` (as root it installs Debian's chromium) or `apt-get install -y chromium`, or set CHROMIUM_PATH.",
    );
  return found;
}
