import { z } from 'zod';
import { GantryError } from '../errors.js';
import { isSafeName, nameSchema } from '../names.js';
import { CI_LIFECYCLE_MACHINE, CI_LIFECYCLES, enterLifecycle, type CiLifecycle } from './lifecycle.js';

/**
 * Configuration items (issue 9, CMDB): what Gantry already knows — targets, applications and
 * their environments, *discovered* — and what people record by hand: load balancers, databases,
 * network devices, SaaS dependencies (*manual* CIs). A CI is referred to as `KIND:NAME`:
 * `target:web-1`, `app:storefront`, `environment:production` (one CI for every application
 * that has an environment of that name), `ci:orders-db`.
 */
export const CI_KINDS = ['target', 'app', 'environment', 'ci'] as const;
export type CiKind = (typeof CI_KINDS)[number];

export const CI_CLASSES = ['load-balancer', 'database', 'network-device', 'saas', 'server', 'service', 'storage', 'other'] as const;
export type CiClass = (typeof CI_CLASSES)[number];

export interface CiRef {
  readonly kind: CiKind;
  readonly name: string;
}

export const formatCiRef = (ref: CiRef): string => `${ref.kind}:${ref.name}`;

/** Reads `KIND:NAME`; a problem is the user's, named with `where`. */
export function parseCiRef(text: string, where: string): CiRef {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const name = colon < 0 ? '' : text.slice(colon + 1);
  if (!(CI_KINDS as readonly string[]).includes(kind)) {
    throw new GantryError('REQUEST_INVALID', `${where}: "${text}" is not a CI reference; write KIND:NAME with KIND one of ${CI_KINDS.join(', ')} (e.g. target:web-1, ci:orders-db)`, { where });
  }
  if (!isSafeName(name)) throw new GantryError('NAME_INVALID', `${where}: "${name}" in "${text}" is not a valid name`, { where });
  return { kind: kind as CiKind, name };
}

/** The asset fields of a manual CI; null when not recorded. */
export interface AssetFields {
  readonly serial: string | null;
  readonly model: string | null;
  readonly location: string | null;
  /** YYYY-MM-DD. */
  readonly purchaseDate: string | null;
  /** YYYY-MM-DD. */
  readonly warrantyUntil: string | null;
  readonly costCentre: string | null;
}

/** A CI recorded by hand. `lifecycleDates`: when it last entered each state it has been in. */
export interface ManualCi extends AssetFields {
  readonly name: string;
  readonly class: CiClass;
  readonly owner: string | null;
  readonly lifecycle: CiLifecycle;
  readonly lifecycleDates: Readonly<Partial<Record<CiLifecycle, string>>>;
  readonly description: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}
const text = (max: number) => z.string().trim().max(max).transform((value) => (value === '' ? null : value));
const date = z
  .string()
  .trim()
  .refine((value) => value === '' || isCalendarDate(value), 'must be a date written YYYY-MM-DD, like 2027-03-31')
  .transform((value) => (value === '' ? null : value));

/** What a person writes for a manual CI (the API body, a CSV row); empty text means "not recorded". */
export const manualCiInputSchema = z.strictObject({
  name: nameSchema,
  class: z.enum(CI_CLASSES, { message: `must be one of ${CI_CLASSES.join(', ')}` }),
  owner: text(200).nullable().default(null),
  lifecycle: z.enum(CI_LIFECYCLES, { message: `must be one of ${CI_LIFECYCLES.join(', ')}` }).default('in_use'),
  serial: text(200).nullable().default(null),
  model: text(200).nullable().default(null),
  location: text(200).nullable().default(null),
  purchaseDate: date.nullable().default(null),
  warrantyUntil: date.nullable().default(null),
  costCentre: text(100).nullable().default(null),
  description: text(2000).nullable().default(null),
});
export type ManualCiInput = z.output<typeof manualCiInputSchema>;

/** The fields of a manual CI, in the order of the CSV columns. */
export const MANUAL_CI_FIELDS = ['name', 'class', 'owner', 'lifecycle', 'serial', 'model', 'location', 'purchaseDate', 'warrantyUntil', 'costCentre', 'description'] as const satisfies readonly (keyof ManualCiInput)[];

const sameRecord = (a: ManualCi, b: ManualCi) => MANUAL_CI_FIELDS.every((field) => a[field] === b[field]);

/**
 * The manual CI after recording `input` at `at` over what is stored (nothing: a new CI, entering
 * its lifecycle state now). A lifecycle change must be allowed by the lifecycle table and stamps
 * the date the new state was entered; a refused one names both states. `changed` is false when
 * the input says what is stored already.
 */
export function recordManualCi(stored: ManualCi | undefined, input: ManualCiInput, at: string): { readonly ci: ManualCi; readonly changed: boolean } {
  if (!stored) return { ci: { ...input, lifecycleDates: { [input.lifecycle]: at }, createdAt: at, updatedAt: at }, changed: true };
  let lifecycle: CiLifecycle;
  try {
    lifecycle = enterLifecycle(stored.lifecycle, input.lifecycle);
  } catch (cause) {
    const allowed = Object.keys(CI_LIFECYCLE_MACHINE[stored.lifecycle]);
    throw new GantryError(
      'REQUEST_INVALID',
      `lifecycle: ${input.name} is ${stored.lifecycle} and cannot become ${input.lifecycle}; from ${stored.lifecycle} it can only become ${allowed.length === 0 ? 'nothing (it is final)' : allowed.join(' or ')}`,
      { where: 'lifecycle' },
      { cause },
    );
  }
  const lifecycleDates = lifecycle === stored.lifecycle ? stored.lifecycleDates : { ...stored.lifecycleDates, [lifecycle]: at };
  const next: ManualCi = { ...input, lifecycle, lifecycleDates, createdAt: stored.createdAt, updatedAt: at };
  if (sameRecord(stored, next)) return { ci: stored, changed: false };
  return { ci: next, changed: true };
}
