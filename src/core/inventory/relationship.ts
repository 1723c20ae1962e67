/**
 * How configuration items relate, always read from `from` to `to`: `app:shop runs-on
 * target:web-1`, `app:shop depends-on ci:orders-db`, `ci:lb-1 connects-to target:web-1`,
 * `target:web-1 part-of environment:production`. Discovered relationships are computed from what
 * Gantry knows (manifests' selectors and targets' labels) every time; manual ones are recorded.
 */
export const RELATIONSHIP_TYPES = ['runs-on', 'depends-on', 'connects-to', 'part-of'] as const;
export type RelationshipType = (typeof RELATIONSHIP_TYPES)[number];

export const RELATIONSHIP_SOURCES = ['discovered', 'manual'] as const;
export type RelationshipSource = (typeof RELATIONSHIP_SOURCES)[number];

export interface Relationship {
  /** A CI reference, `KIND:NAME`. */
  readonly from: string;
  readonly type: RelationshipType;
  readonly to: string;
  readonly source: RelationshipSource;
}

export const describeRelationship = (relationship: Pick<Relationship, 'from' | 'type' | 'to'>): string => `${relationship.from} ${relationship.type} ${relationship.to}`;
