import { describe, expect, it } from 'vitest';
import { impactOf } from './impact.js';
import type { Relationship, RelationshipType } from './relationship.js';

const manual = (from: string, type: RelationshipType, to: string): Relationship => ({ from, type, to, source: 'manual' });

/**
 * A small estate: two web targets in production run the storefront; the storefront depends on
 * the orders database, which runs on db-1; billing depends on the storefront; the load balancer
 * connects to the web targets; a reporting job depends on billing (three hops from the database).
 */
const GRAPH: Relationship[] = [
  manual('app:storefront', 'runs-on', 'target:web-1'),
  manual('app:storefront', 'runs-on', 'target:web-2'),
  manual('target:web-1', 'part-of', 'environment:production'),
  manual('target:web-2', 'part-of', 'environment:production'),
  manual('target:db-1', 'part-of', 'environment:production'),
  manual('app:storefront', 'depends-on', 'ci:orders-db'),
  manual('ci:orders-db', 'runs-on', 'target:db-1'),
  manual('app:billing', 'depends-on', 'app:storefront'),
  manual('ci:lb-1', 'connects-to', 'target:web-1'),
  manual('ci:lb-1', 'connects-to', 'target:web-2'),
  manual('app:reports', 'depends-on', 'app:billing'),
];

const paths = (impact: ReturnType<typeof impactOf>) => impact.affected.map((step) => [step.depth, step.because]);

describe('impact analysis', () => {
  it('follows dependencies, hosting, connections and membership, each CI once at its shortest path', () => {
    expect(paths(impactOf('target:db-1', GRAPH, 10))).toEqual([
      [1, 'ci:orders-db runs-on target:db-1'],
      [1, 'environment:production contains target:db-1'],
      [2, 'app:storefront depends-on ci:orders-db runs-on target:db-1'],
      [3, 'app:billing depends-on app:storefront depends-on ci:orders-db runs-on target:db-1'],
      [4, 'app:reports depends-on app:billing depends-on app:storefront depends-on ci:orders-db runs-on target:db-1'],
    ]);
    expect(paths(impactOf('target:web-1', GRAPH, 10))).toEqual([
      [1, 'app:storefront runs-on target:web-1'],
      [1, 'ci:lb-1 connects-to target:web-1'],
      [1, 'environment:production contains target:web-1'],
      [2, 'app:billing depends-on app:storefront runs-on target:web-1'],
      [3, 'app:reports depends-on app:billing depends-on app:storefront runs-on target:web-1'],
    ]);
  });

  it('keeps the path as relationships from the affected CI back to the one that changed', () => {
    const step = impactOf('target:db-1', GRAPH).affected.find((entry) => entry.ref === 'app:storefront');
    expect(step?.path).toEqual([manual('app:storefront', 'depends-on', 'ci:orders-db'), manual('ci:orders-db', 'runs-on', 'target:db-1')]);
  });

  it('does not flow against the relationships: what the changed CI uses is not affected', () => {
    // The storefront changing affects billing (and what depends on billing), not its database or its targets.
    expect(impactOf('app:storefront', GRAPH).affected.map((step) => step.ref)).toEqual(['app:billing', 'app:reports']);
    expect(impactOf('environment:production', GRAPH).affected).toEqual([]);
  });

  it('stops at the depth and counts what lies beyond instead of listing it', () => {
    const cut = impactOf('target:db-1', GRAPH, 2);
    expect(cut.affected.map((step) => step.ref)).toEqual(['ci:orders-db', 'environment:production', 'app:storefront']);
    expect(cut.beyondDepth).toBe(2);
    expect(impactOf('target:db-1', GRAPH).beyondDepth).toBe(1);
    expect(impactOf('target:db-1', GRAPH, 10).beyondDepth).toBe(0);
  });

  it('survives cycles and ignores self-loops', () => {
    const cycle = [manual('ci:a', 'depends-on', 'ci:b'), manual('ci:b', 'depends-on', 'ci:a'), manual('ci:a', 'depends-on', 'ci:a')];
    expect(paths(impactOf('ci:a', cycle))).toEqual([[1, 'ci:b depends-on ci:a']]);
  });
});
