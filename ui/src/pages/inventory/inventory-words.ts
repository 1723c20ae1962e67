import type { CiDto, ManualCiDto, RelationshipDto } from '../../../../src/client/api-client.js';

export type CiKind = CiDto['kind'];
export type CiClass = ManualCiDto['class'];
export type Lifecycle = ManualCiDto['lifecycle'];
export type RelationshipType = RelationshipDto['type'];

export const KIND_LABELS: Readonly<Record<CiKind, string>> = { target: 'target', app: 'application', environment: 'environment', ci: 'configuration item' };

export const CLASS_LABELS: Readonly<Record<CiClass, string>> = {
  'load-balancer': 'load balancer',
  database: 'database',
  'network-device': 'network device',
  saas: 'SaaS',
  server: 'server',
  service: 'service',
  storage: 'storage',
  other: 'other',
};

/** In the order a CI moves through them. */
export const LIFECYCLE_LABELS: Readonly<Record<Lifecycle, string>> = { ordered: 'ordered', in_use: 'in use', maintenance: 'in maintenance', retired: 'retired' };

export const RELATIONSHIP_TYPES: readonly RelationshipType[] = ['runs-on', 'depends-on', 'connects-to', 'part-of'];

export const KINDS = Object.keys(KIND_LABELS) as CiKind[];
export const CLASSES = Object.keys(CLASS_LABELS) as CiClass[];
export const LIFECYCLES = Object.keys(LIFECYCLE_LABELS) as Lifecycle[];

/** The CI's page: `/inventory/ci%3Aorders-db`. */
export const ciPath = (ref: string) => `/inventory/${encodeURIComponent(ref)}`;

const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** A date (or a timestamp) as a day, in the browser's words. */
export function dayInWords(at: string): string {
  const date = new Date(at.length === 10 ? `${at}T00:00:00` : at);
  return Number.isNaN(date.getTime()) ? at : day.format(date);
}
