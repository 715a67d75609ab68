/** Formats a byte count the way error messages quote limits: "312 B", "70 KiB", "16 MiB". */
export function formatBytes(n: number): string {
  const mib = 1024 * 1024;
  if (n >= mib) return `${n % mib === 0 ? n / mib : (n / mib).toFixed(1)} MiB`;
  if (n >= 1024) return `${n % 1024 === 0 ? n / 1024 : (n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
