const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;
const number = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** 1536 → "1.5 KiB": sizes of releases, memory and disks. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${number.format(value)} ${UNITS[unit]}`;
}
