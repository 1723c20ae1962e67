// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImpactDto, RelationshipDto } from '../../../../src/client/api-client.js';
import { ImpactView } from './impact-view.js';

afterEach(cleanup);

const rel = (from: string, type: RelationshipDto['type'], to: string): RelationshipDto => ({ from, type, to, source: 'manual' });
const dbRunsOn = rel('ci:orders-db', 'runs-on', 'target:db-1');

const IMPACT: ImpactDto = {
  ci: 'target:db-1',
  depth: 2,
  applications: [
    {
      ref: 'app:storefront',
      depth: 2,
      path: [rel('app:storefront', 'depends-on', 'ci:orders-db'), dbRunsOn],
      because: 'app:storefront depends-on ci:orders-db runs-on target:db-1',
    },
  ],
  environments: [{ ref: 'environment:production', depth: 1, path: [rel('target:db-1', 'part-of', 'environment:production')], because: 'environment:production contains target:db-1' }],
  targets: [],
  others: [{ ref: 'ci:orders-db', depth: 1, path: [dbRunsOn], because: 'ci:orders-db runs-on target:db-1' }],
  beyondDepth: 4,
  changes: [
    {
      id: 'C-12',
      title: 'Upgrade the orders schema',
      state: 'scheduled',
      app: 'storefront',
      environment: 'production',
      window: null,
      because: ['app:storefront'],
    },
  ],
};

function renderImpact(impact: ImpactDto) {
  return render(
    <MemoryRouter>
      <ImpactView impact={impact} />
    </MemoryRouter>,
  );
}

const group = (name: RegExp) => screen.getByRole('region', { name });

describe('the impact view', () => {
  it('groups the affected CIs, each linked, with its path in words', () => {
    renderImpact(IMPACT);
    const applications = group(/^Applications/);
    expect(within(applications).getByRole('heading', { level: 3 }).textContent).toBe('Applications (1)');
    expect(within(applications).getByRole('link', { name: 'app:storefront' }).getAttribute('href')).toBe('/inventory/app%3Astorefront');
    expect(within(applications).getByText('app:storefront depends-on ci:orders-db runs-on target:db-1')).toBeTruthy();
    expect(applications.textContent).toContain('2 steps away');

    const environments = group(/^Environments/);
    expect(within(environments).getByText('environment:production contains target:db-1')).toBeTruthy();
    expect(environments.textContent).toContain('1 step away');

    expect(within(group(/^Targets/)).getByText('None.')).toBeTruthy();
    expect(within(group(/^Other CIs/)).getByRole('link', { name: 'ci:orders-db' })).toBeTruthy();
    // Nothing lands in the wrong group.
    expect(within(environments).queryByText(/app:storefront/)).toBeNull();
  });

  it('says how many CIs lie beyond the depth, counted not listed', () => {
    renderImpact(IMPACT);
    expect(screen.getByRole('status').textContent).toBe('3 CIs affected within depth 2. 4 more beyond depth 2.');
  });

  it('says nothing of beyond-depth CIs when the walk was not cut short', () => {
    renderImpact({ ...IMPACT, applications: [], environments: [], others: [], beyondDepth: 0, changes: [] });
    expect(screen.getByRole('status').textContent).toBe('Nothing is affected within depth 2.');
    expect(screen.queryByText(/beyond depth/)).toBeNull();
    expect(screen.getByText('No open or scheduled change request touches what is affected.')).toBeTruthy();
  });

  it('links the open change requests it touches, with their state in words', () => {
    renderImpact(IMPACT);
    const link = screen.getByRole('link', { name: 'C-12 Upgrade the orders schema' });
    expect(link.getAttribute('href')).toBe('/changes/C-12');
    const item = link.closest('li')!;
    expect(item.textContent).toContain('scheduled; storefront in production; window not planned yet');
    expect(item.textContent).toContain('touches app:storefront');
  });
});
