import { z } from 'zod';

/** A count of targets ("3", 3) or a share of them ("25%"). */
export type Quantity = { readonly count: number } | { readonly percent: number };

export const quantitySchema = z.union([z.number(), z.string()]).transform((value, ctx): Quantity => {
  const text = String(value).trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) {
    const share = Number(percent[1]);
    if (share <= 100) return { percent: share };
  } else if (/^\d+$/.test(text)) {
    return { count: Number(text) };
  }
  ctx.addIssue({ code: 'custom', message: 'expected a whole number of targets like 2, or a percent from 0% to 100% like "25%"' });
  return z.NEVER;
});

/** How many of `total` a quantity means, rounding a share up (a batch of 25% of 3 is 1 target). */
export function resolveQuantityUp(quantity: Quantity, total: number): number {
  return 'count' in quantity ? quantity.count : Math.ceil((quantity.percent * total) / 100 - 1e-9);
}

/** How many of `total` a quantity means, rounding a share down (a tolerance of 10% of 5 is 0 failures). */
export function resolveQuantityDown(quantity: Quantity, total: number): number {
  return 'count' in quantity ? quantity.count : Math.floor((quantity.percent * total) / 100 + 1e-9);
}

export function formatQuantity(quantity: Quantity): string {
  return 'count' in quantity ? String(quantity.count) : `${quantity.percent}%`;
}
