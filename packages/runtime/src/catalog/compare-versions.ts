const CHUNK = /(\d+)|(\D+)/g;

function chunks(version: string): string[] {
  return version.match(CHUNK) ?? [];
}

function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Compares two version strings the way people read them: runs of digits as
 * numbers, the rest as text. So "9" < "10", "1.9" < "1.10", "2" < "2.1",
 * "2-rc" < "2-rc2". Negative when `a` comes first, positive when `b` does, 0
 * when they are equal (leading zeros aside: "03" equals "3").
 */
export function compareVersions(a: string, b: string): number {
  const xs = chunks(a);
  const ys = chunks(b);
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i] as string;
    const y = ys[i] as string;
    const xDigit = /^\d/.test(x);
    const yDigit = /^\d/.test(y);
    let c: number;
    if (xDigit && yDigit) c = compareDigits(x, y);
    else if (xDigit !== yDigit) c = xDigit ? 1 : -1;
    else c = x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return xs.length - ys.length;
}
