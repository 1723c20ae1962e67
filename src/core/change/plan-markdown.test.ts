import { describe, expect, it } from 'vitest';
import { planInputSchema, type ComputedPlan, type PlanInput } from './plan.js';
import { renderPlanMarkdown, type PlanDocument } from './plan-markdown.js';
import type { RiskAssessment } from './risk.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

const computed: ComputedPlan = {
  app: 'shop',
  version: '1.4.2',
  releaseDigest: DIGEST,
  environment: 'production',
  targets: ['web-1', 'web-2', 'web-3'],
  strategy: 'rolling, 1 at a time',
  rollback: { previousVersion: '1.4.1', how: 'gantry rollback shop production' },
  tests: { healthChecks: ['GET /healthz returns 200'], analyses: ['error rate below 1% for 10m'] },
};

const risk: RiskAssessment = {
  score: 7.5,
  level: 'very_high',
  factors: [
    { factor: 'blastRadius', label: 'Blast radius', value: '3 of 3 targets (100%)', contribution: 3 },
    { factor: 'migrationHooks', label: 'Migration hooks', value: 'the release runs migration hooks', contribution: 4.5 },
  ],
  rule: { name: 'production migrations', level: 'high' },
  reasons: ['Score 7.5 reaches the very high threshold (7), so the score says very high.'],
};

const fullPlan: PlanInput = {
  goals: ['Ship the new checkout', 'Retire the old payment form'],
  window: { start: '2026-12-05T23:00:00+01:00', end: '2026-12-06T02:30:00Z' },
  owners: [{ name: 'Dana', role: 'deployer' }],
  risks: [{ risk: 'Payments fail', mitigation: 'Roll back within 5 minutes' }],
  stakeholders: [{ name: 'Support', contact: 'support@example.com' }, { name: 'Erin', kind: 'person' }],
  communications: [{ audience: 'Customers', when: '24h before start', message: 'Short checkout outage' }],
  checklist: [
    { item: 'Backup taken', owner: 'Dana', status: 'done' },
    { item: 'Load test', owner: 'Sam', status: 'waived', reason: 'same traffic as last week' },
    { item: 'Runbook reviewed', owner: 'Lee' },
  ],
};

function document(plan: PlanInput, overrides: Partial<PlanDocument> = {}): PlanDocument {
  return {
    id: 'C-12',
    title: 'Checkout v2',
    type: 'normal',
    state: 'authorize',
    requester: 'alice',
    planVersion: 3,
    plan: planInputSchema.parse(plan),
    computed,
    risk,
    approvalPolicy: { name: 'production-high', requirements: [{ group: 'cab', count: 2 }, { group: 'service-owners', count: 1 }] },
    approvals: [
      { by: 'bob', groups: ['cab'], at: '2026-12-01T09:15:00.000Z', releaseDigest: DIGEST, planVersion: 2, decision: 'approve' },
      { by: 'carol', groups: ['cab', 'service-owners'], at: '2026-12-02T10:00:00.000Z', releaseDigest: DIGEST, planVersion: 3, decision: 'reject', comment: 'No load test' },
    ],
    ...overrides,
  };
}

const headings = (markdown: string) => markdown.split('\n').filter((line) => /^#{1,2} /.test(line));

describe('renderPlanMarkdown', () => {
  it('renders every section of a full plan in order', () => {
    const markdown = renderPlanMarkdown(document(fullPlan));
    expect(headings(markdown)).toEqual([
      '# C-12: Checkout v2',
      '## Goals',
      '## Scope',
      '## Schedule',
      '## Owners and resources',
      '## Risks and mitigations',
      '## Risk assessment',
      '## Approvals',
      '## Readiness checklist',
      '## Stakeholders',
      '## Communication plan',
      '## Rollback plan',
      '## Test plan',
    ]);
    const lines = markdown.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '- **Type:** normal',
        '- **State:** authorize',
        '- **Requester:** alice',
        '- **Plan version:** 3',
        '- **App:** shop',
        '- **Release:** 1.4.2 (sha256:0123456789ab)',
        '- **Environment:** production',
        '- **Planned window:** 2026-12-05 22:00 UTC – 2026-12-06 02:30 UTC',
        '- Ship the new checkout',
        '- **Targets touched:** 3 (web-1, web-2, web-3)',
        '- **Strategy:** rolling, 1 at a time',
        '- **Duration:** 4h 30m',
        '| Dana | deployer |',
        '| Payments fail | Roll back within 5 minutes |',
        '- **Level:** very high',
        '- **Score:** 7.5',
        '- **Rule:** production migrations sets high',
        '| Factor | Seen | Points |',
        '| Migration hooks | the release runs migration hooks | 4.5 |',
        '- Score 7.5 reaches the very high threshold (7), so the score says very high.',
        'Policy **production-high** needs 2 from cab and 1 from service-owners.',
        '| bob | cab | approved | 2026-12-01 09:15 UTC | 2 (outdated: the plan is now 3) | — |',
        '| carol | cab, service-owners | rejected | 2026-12-02 10:00 UTC | 3 | No load test |',
        '| Support | group | support@example.com |',
        '| Erin | person | — |',
        '| Customers | 24h before start | Short checkout outage |',
        'A rollback returns production to version 1.4.1, the release live there now.',
        '**How:** gantry rollback shop production',
        '- GET /healthz returns 200',
        '- error rate below 1% for 10m',
      ]),
    );
  });

  it('ends with exactly one newline and uses \\n line endings', () => {
    const markdown = renderPlanMarkdown(document(fullPlan, { title: 'Windows\r\nline endings' }));
    expect(markdown.endsWith('\n')).toBe(true);
    expect(markdown.endsWith('\n\n')).toBe(false);
    expect(markdown).not.toContain('\r');
  });

  it('says so for every empty section of an unassessed, unscheduled plan', () => {
    const empty: ComputedPlan = { ...computed, targets: [], rollback: { previousVersion: null, how: 'redeploy' }, tests: { healthChecks: [], analyses: [] } };
    const markdown = renderPlanMarkdown(document({}, { computed: empty, risk: null, approvalPolicy: null, approvals: [], state: 'new' }));
    expect(headings(markdown)).toHaveLength(13);
    const section = (name: string) => markdown.split(`## ${name}\n\n`)[1]?.split('\n\n## ')[0];
    expect(markdown).toContain('- **Planned window:** not scheduled yet\n');
    expect(section('Goals')).toBe('_None recorded._');
    expect(section('Scope')).toContain('- **Targets touched:** none: the environment selects no targets now');
    expect(section('Schedule')).toMatch(/^Not scheduled yet/);
    expect(section('Owners and resources')).toBe('_None recorded._');
    expect(section('Risks and mitigations')).toBe('_None recorded._');
    expect(section('Risk assessment')).toBe('Not assessed yet.');
    expect(section('Approvals')).toBe('No approval policy applies yet.\n\n_None recorded._');
    expect(section('Readiness checklist')).toBe('_None recorded._');
    expect(section('Stakeholders')).toBe('_None recorded._');
    expect(section('Communication plan')).toBe('_None recorded._');
    expect(section('Rollback plan')).toContain('Nothing is live in production yet, so a rollback leaves the targets without this release.');
    expect(section('Test plan')).toBe('### Health checks\n\n_None recorded._\n\n### Analyses\n\n_None recorded._\n');
  });

  it('renders the checklist as a task list: done ticked, open unticked, waived ticked and struck through with its reason', () => {
    const markdown = renderPlanMarkdown(document(fullPlan));
    expect(markdown).toContain(
      [
        '- [x] Backup taken — Dana',
        '- [x] ~~Load test~~ — Sam — waived: same traffic as last week',
        '- [ ] Runbook reviewed — Lee',
        '',
        'Not ready: 1 item is still open.',
      ].join('\n'),
    );
    const ready = renderPlanMarkdown(document({ checklist: [{ item: 'Backup taken', owner: 'Dana', status: 'done' }] }));
    expect(ready).toContain('Ready: every item is done or waived.');
  });

  it('shows hostile text literally instead of letting it change the document', () => {
    const markdown = renderPlanMarkdown(
      document(
        {
          goals: ['# Not a heading', 'See [click](http://x) <script>alert(1)</script>', '1. not a list', '> not a quote', '---', 'two\n\nparagraphs', '#tag -v 1.4.2'],
          owners: [{ name: 'Dana | Admin', role: 'first line\nsecond line' }],
          checklist: [{ item: '~~done~~ *really*', owner: 'Lee_Smith' }],
        },
        { title: 'Fix #' },
      ),
    );
    expect(markdown).toContain('# C-12: Fix \\#\n');
    expect(markdown).toContain('- \\# Not a heading\n');
    expect(markdown).toContain('- See \\[click\\](http://x) \\<script\\>alert(1)\\</script\\>\n');
    expect(markdown).toContain('- 1\\. not a list\n');
    expect(markdown).toContain('- \\> not a quote\n');
    expect(markdown).toContain('- \\---\n');
    expect(markdown).toContain('- two<br><br>paragraphs\n');
    expect(markdown).toContain('- #tag -v 1.4.2\n');
    expect(markdown).toContain('| Dana \\| Admin | first line<br>second line |');
    expect(markdown).toContain('- [ ] \\~\\~done\\~\\~ \\*really\\* — Lee\\_Smith');
    expect(headings(markdown)).toHaveLength(13);
  });

  it('shortens the release digest to 12 hex digits, in the summary and for approvals of another release', () => {
    const other = `sha256:${'f'.repeat(64)}`;
    const markdown = renderPlanMarkdown(
      document(fullPlan, { approvals: [{ by: 'bob', groups: ['cab'], at: '2026-12-01T09:15:00Z', releaseDigest: other, planVersion: 3, decision: 'approve' }] }),
    );
    expect(markdown).toContain('(sha256:0123456789ab)');
    expect(markdown).toContain('3, for another release (sha256:ffffffffffff)');
    expect(markdown).not.toContain(DIGEST);
    expect(markdown).not.toContain(other);
  });
});
