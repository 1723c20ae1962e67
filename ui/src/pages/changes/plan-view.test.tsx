// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { PlanView } from './plan-view.js';

afterEach(cleanup);

const PLAN = [
  '# C-12: Ship \\*fast\\*',
  ['- **Type:** normal', '- **Planned window:** 2026-12-05 22:00 UTC – 2026-12-06 02:00 UTC'].join('\n'),
  '## Owners and resources',
  ['| Name | Role |', '| --- | --- |', '| Rita | lead \\| on call |'].join('\n'),
  '## Readiness checklist',
  ['- [x] Backups <script>alert(1)</script> — ops', '- [ ] ~~Smoke test~~ — qa'].join('\n'),
  'Not ready: 1 item is still open.<br>Second line',
  '### Health checks',
  '_None recorded\\._',
].join('\n\n');

describe('PlanView', () => {
  it('renders headings below the page’s, lists, tables and inline marks as elements, never as HTML', () => {
    const { container } = render(<PlanView markdown={PLAN} />);
    // The title is the page's own h1; sections start at h3, below the plan's h2.
    expect(screen.queryByText(/C-12/)).toBeNull();
    expect(screen.getAllByRole('heading', { level: 3 }).map((heading) => heading.textContent)).toEqual(['Owners and resources', 'Readiness checklist']);
    expect(screen.getByRole('heading', { level: 4 }).textContent).toBe('Health checks');
    expect(container.querySelector('strong')?.textContent).toBe('Type:');
    expect(screen.getByRole('columnheader', { name: 'Role' })).toBeTruthy();
    expect(screen.getByRole('cell', { name: 'lead | on call' })).toBeTruthy();
    expect(container.querySelector('script')).toBeNull();
    expect(screen.getByText(/Backups <script>/)).toBeTruthy();
    expect(container.querySelector('del')?.textContent).toBe('Smoke test');
    expect(container.querySelectorAll('p br')).toHaveLength(1);
    expect(container.querySelector('em')?.textContent).toBe('None recorded.');
  });
});
