import type { Relationship } from './relationship.js';

/**
 * Impact analysis: if a CI changes or fails, what is affected, and why. Impact flows from X to Y
 * when Y depends-on X, Y runs-on X, Y connects-to X, or X part-of Y. The graph is walked breadth
 * first up to a depth, so every affected CI is listed once, at its shortest path; the CIs that
 * the walk would reach further on are counted, not listed, so that a change to a core switch
 * shows it was cut short instead of dragging the whole estate in (iTop's complaint).
 */
export const DEFAULT_IMPACT_DEPTH = 3;
export const MAX_IMPACT_DEPTH = 10;

export interface ImpactStep {
  /** The CI affected at this depth. */
  readonly ref: string;
  /** How many relationships away from the CI that changed. */
  readonly depth: number;
  /** The relationships from this CI back to the one that changed, in that order. */
  readonly path: readonly Relationship[];
  /** The same, in words: `app:storefront depends-on ci:orders-db runs-on target:db-1`. */
  readonly because: string;
}

export interface Impact {
  readonly ci: string;
  readonly depth: number;
  /** Nearest first, then by reference. */
  readonly affected: readonly ImpactStep[];
  /** CIs the impact reaches past `depth`: not listed. */
  readonly beyondDepth: number;
}

/** The CI that a relationship carries impact to, from the other end. */
function flow(relationship: Relationship): { readonly source: string; readonly target: string } {
  return relationship.type === 'part-of' ? { source: relationship.from, target: relationship.to } : { source: relationship.to, target: relationship.from };
}

/**
 * From the affected CI back to the one that changed: each relationship in its own direction
 * (`A depends-on B`), a part-of read backwards as `contains` (`environment:production contains
 * target:web-1`), so that the chain always reads from the affected CI.
 */
function inWords(ref: string, path: readonly Relationship[]): string {
  let words = ref;
  for (const step of path) words += step.type === 'part-of' ? ` contains ${step.from}` : ` ${step.type} ${step.to}`;
  return words;
}

export function impactOf(ci: string, relationships: readonly Relationship[], depth: number = DEFAULT_IMPACT_DEPTH): Impact {
  const outgoing = new Map<string, Relationship[]>();
  for (const relationship of relationships) {
    const { source, target } = flow(relationship);
    if (source === target) continue;
    outgoing.set(source, [...(outgoing.get(source) ?? []), relationship]);
  }
  // Neighbours in a stable order, so that among equally short paths the same one is always shown.
  for (const edges of outgoing.values()) edges.sort((a, b) => flow(a).target.localeCompare(flow(b).target) || a.type.localeCompare(b.type) || a.source.localeCompare(b.source));

  const reachedBy = new Map<string, { readonly via: Relationship | null; readonly depth: number }>([[ci, { via: null, depth: 0 }]]);
  const affected: ImpactStep[] = [];
  let beyondDepth = 0;
  let frontier = [ci];
  for (let level = 1; frontier.length > 0; level++) {
    const next: string[] = [];
    for (const ref of frontier) {
      for (const relationship of outgoing.get(ref) ?? []) {
        const { target } = flow(relationship);
        if (reachedBy.has(target)) continue;
        reachedBy.set(target, { via: relationship, depth: level });
        next.push(target);
        if (level > depth) {
          beyondDepth += 1;
          continue;
        }
        const path: Relationship[] = [];
        for (let at = reachedBy.get(target); at?.via; at = reachedBy.get(flow(at.via).source)) path.push(at.via);
        affected.push({ ref: target, depth: level, path, because: inWords(target, path) });
      }
    }
    frontier = next;
  }
  affected.sort((a, b) => a.depth - b.depth || a.ref.localeCompare(b.ref));
  return { ci, depth, affected, beyondDepth };
}
