import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { ChangeDto } from '../../src/protocol/changes-api.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';
import { captureIo } from './fake-server.js';

const MANIFEST = `app: shop
environments:
  - { name: production, targets: { role: web }, protected: true }
  - { name: staging, targets: { role: web } }
strategy: { type: rolling, batch: 1 }
`;

const inHours = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
const START = inHours(48);
const END = inHours(52);

const PLAN = `# The plan of the checkout release
goals:
  - Ship the new checkout
window: { start: "${START}", end: "${END}" }
owners:
  - { name: alice, role: implementer }
risks:
  - { risk: payment errors, mitigation: automatic rollback on failed health checks }
stakeholders:
  - { name: support, kind: group, contact: support@example.com }
communications:
  - { audience: support, when: 24h before start, message: checkout changes on Saturday }
checklist:
  - { item: runbook updated, owner: alice, status: done }
  - { item: support team trained, owner: bob }
`;

/** The CLI in this process against a real server started in this process. */
describe('gantry change, plan, token and calendar feed-token', () => {
  let gantry: TestGantry;
  let dir: string;

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args], { ...io, cwd: dir, env: { GANTRY_URL: gantry.url, GANTRY_TOKEN: gantry.token } });
    return { code, out: io.out(), err: io.err() };
  }

  beforeAll(async () => {
    gantry = await startTestGantry();
    dir = mkdtempSync(join(tmpdir(), 'gantry-changes-cli-'));
    writeFileSync(join(dir, 'plan.yaml'), PLAN);
    await gantry.addTarget({ name: 'web-1', labels: { role: 'web' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-web-1-')) } });
    await gantry.apply(MANIFEST);
    await gantry.release('shop', '1.0.0', makeBuildDir({ 'index.html': 'one' }));
  });
  afterAll(async () => {
    await gantry?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a change from a plan file and shows it', async () => {
    const created = await cli('change', 'create', 'shop', '1.0.0', '--to', 'production', '--from-file', 'plan.yaml', '--title', 'New checkout');
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^created normal change C-1 \(shop 1\.0\.0 → production\): New checkout\n/);
    expect(created.out).toContain('gantry change submit C-1');

    const shown = await cli('change', 'show', 'C-1');
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^C-1: New checkout\n/);
    expect(shown.out).toMatch(/state:\s+new/);
    expect(shown.out).toContain(`${new Date(START).toISOString()} – ${new Date(END).toISOString()} (4h)`);
    expect(shown.out).toContain('risk: not assessed yet');
    expect(shown.out).toContain('checklist (1 open):');
    expect(shown.out).toContain('  [x] runbook updated (alice)');
    expect(shown.out).toContain('  [ ] support team trained (bob)');

    const json = JSON.parse((await cli('change', 'show', 'C-1', '--json')).out) as ChangeDto;
    expect(json).toMatchObject({ id: 'C-1', state: 'new', title: 'New checkout', plan: { goals: ['Ship the new checkout'], window: { start: START, end: END } } });
  });

  it('submits the change: the risk is shown factor by factor with the approval policy', async () => {
    const submitted = await cli('change', 'submit', 'C-1');
    expect(submitted.err).toBe('');
    expect(submitted.out).toContain('submitted change C-1: now authorize');
    expect(submitted.out).toContain('waiting for approval: 1 more from approvers');

    const shown = await cli('change', 'show', 'C-1', '--history');
    expect(shown.out).toMatch(/risk: (low|moderate|high|very high) \(score [\d.]+/);
    expect(shown.out).toMatch(/FACTOR\s+SEEN\s+POINTS/);
    expect(shown.out).toMatch(/Environment criticality\s+production is high\s+\+4/);
    expect(shown.out).toMatch(/approval policy:\s+peer review: 1 from approvers/);
    expect(shown.out).toMatch(/approval status:\s+pending: missing 1 from approvers/);
    expect(shown.out).toContain('history:');
    expect(shown.out).toMatch(/change:submitted\s+new → assess/);

    const listed = await cli('change', 'list', '--state', 'authorize');
    expect(listed.out.split('\n')[0]).toMatch(/^ID\s+TYPE\s+STATE\s+APP\s+VERSION\s+ENVIRONMENT\s+WINDOW START\s+RISK\s+TITLE$/);
    expect(listed.out).toMatch(/C-1\s+normal\s+authorize\s+shop\s+1\.0\.0\s+production/);
    expect((await cli('change', 'list', '--state', 'closed')).out.trim().split('\n')).toHaveLength(1);
  });

  it('plan show --markdown prints the plan document with its checklist', async () => {
    const shown = await cli('plan', 'show', 'C-1', '--markdown');
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^# C-1: New checkout/);
    expect(shown.out).toContain('## Readiness checklist');
    expect(shown.out).toContain('- [x] runbook updated — alice');
    expect(shown.out).toContain('- [ ] support team trained — bob');
    expect(shown.out).toContain('Not ready: 1 item is still open.');
  });

  it('refuses a plan file with a bad field, naming file, line and field, without a stack trace', async () => {
    writeFileSync(join(dir, 'bad.yaml'), PLAN.replace('status: done', 'status: finished'));
    const bad = await cli('plan', 'create', 'shop', '1.0.0', '--to', 'production', '--from-file', 'bad.yaml');
    expect(bad.code).toBe(2);
    expect(bad.out).toBe('');
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/^error\[REQUEST_INVALID\]: bad\.yaml:14:\d+: checklist\.0\.status: expected one of "open", "done", "waived"/);
    expect(bad.err).not.toMatch(/\bat .*\.(js|ts):\d+/);

    writeFileSync(join(dir, 'typo.yaml'), 'goal: [ship it]\n');
    const typo = await cli('change', 'create', 'shop', '1.0.0', '--to', 'production', '--from-file', 'typo.yaml');
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/^error\[REQUEST_INVALID\]: typo\.yaml:1:1: goal: unknown field "goal"/);

    const missing = await cli('change', 'create', 'shop', '1.0.0', '--to', 'production', '--from-file', 'nowhere.yaml');
    expect(missing.code).toBe(2);
    expect(missing.err).toBe('error[REQUEST_INVALID]: cannot read plan file nowhere.yaml: no such file\n');

    const halfWindow = await cli('change', 'create', 'shop', '1.0.0', '--to', 'production', '--start', START);
    expect(halfWindow.code).toBe(2);
    expect(halfWindow.err).toMatch(/^error\[REQUEST_INVALID\]: --start needs --end/);
    // Nothing was created by the refused commands.
    expect(JSON.parse((await cli('change', 'list', '--json')).out).changes).toHaveLength(1);
  });

  it('token create prints the token once; the new user approves the change', async () => {
    const created = await cli('token', 'create', '--user', 'bob', '--group', 'approvers', '--group', 'cab', '--label', 'bob laptop', '--role', 'approver', '--env', 'production', '--expires-in', '30d');
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^gantry_[A-Za-z0-9_-]{20,}\n$/);
    expect(created.err).toContain('for bob (groups approvers, cab; label bob laptop): approver on every application × production, until ');
    expect(created.err).toContain('shown only once');
    const token = created.out.trim();

    // The requester (admin) may not decide on their own change.
    const self = await cli('change', 'reject', 'C-1');
    expect(self.code).toBe(5);
    expect(self.err).toMatch(/^error\[SELF_APPROVAL_FORBIDDEN\]: /);

    const approved = await cli('change', 'approve', 'C-1', '--comment', 'looks good', '--token', token);
    expect(approved.err).toBe('');
    expect(approved.out).toContain('recorded your approval of change C-1: now scheduled');
    const shown = await cli('change', 'show', 'C-1');
    expect(shown.out).toMatch(/approval status:\s+approved/);
    expect(shown.out).toContain('  counted: bob (for approvers)');

    const listed = await cli('token', 'list');
    expect(listed.out.split('\n')[0]).toMatch(/^ID\s+USER\s+ACCESS\s+EXPIRES\s+LAST USED\s+STATE\s+LABEL$/);
    expect(listed.out).toMatch(/\sbob\s+approver on every application × production\s+\S+\s+\S+\s+active\s+bob laptop/);
    expect(listed.out).not.toContain(token);

    // Only a token with the tokens permission mints tokens.
    const denied = await cli('token', 'create', '--user', 'mallory', '--token', token);
    expect(denied.code).toBe(5);
    expect(denied.err).toMatch(/^error\[PERMISSION_DENIED\]: /);

    const id = /^(tok-\S+)\s+bob\s/m.exec(listed.out)![1]!;
    expect((await cli('token', 'revoke', id)).out).toBe(`revoked token ${id}: it is refused from its next request on\n`);
    expect((await cli('change', 'show', 'C-1', '--token', token)).code).not.toBe(0);
    expect((await cli('token', 'revoke', id)).err).toMatch(/^error\[TOKEN_NOT_FOUND\]: /);
  });

  it('conflicts, next-slot and schedule work on the planned window', async () => {
    expect((await cli('change', 'conflicts', 'C-1')).out).toBe("no conflicts: change C-1's planned window is clear\n");
    const slots = await cli('change', 'next-slot', 'C-1', '--duration', '2h');
    expect(slots.code).toBe(0);
    expect(slots.out.split('\n')[0]).toMatch(/^START\s+END$/);

    const later = { start: inHours(72), end: inHours(73) };
    const scheduled = await cli('change', 'schedule', 'C-1', '--start', later.start, '--end', later.end);
    expect(scheduled.err).toBe('');
    // An edit after approval sends a normal change back to authorisation.
    expect(scheduled.out).toContain(`planned change C-1 for ${later.start} – ${later.end} (1h): now authorize`);
  });

  it('plan edit replaces the plan; deploy --change is refused outside the window', async () => {
    writeFileSync(join(dir, 'ready.yaml'), PLAN.replace('owner: bob }', 'owner: bob, status: waived, reason: no user-facing change }'));
    const edited = await cli('plan', 'edit', 'C-1', '--from-file', 'ready.yaml');
    expect(edited.code).toBe(0);
    expect(edited.out).toContain('edited change C-1 (plan version 3)');
    expect((await cli('change', 'show', 'C-1')).out).toContain('  [~] support team trained (bob) waived: no user-facing change');

    const early = await cli('deploy', 'shop', '1.0.0', '--to', 'production', '--change', 'C-1');
    expect(early.code).toBe(4);
    expect(early.err).toMatch(/^error\[CHANGE_NOT_AUTHORISED\]: change C-1 is authorize/);
  });

  it('calendar feed-token prints the feed URL, which serves the calendar', async () => {
    const created = await cli('calendar', 'feed-token');
    expect(created.code).toBe(0);
    const url = created.out.trim();
    expect(url.startsWith(`${gantry.url}/api/v1/calendar.ics?token=gantry_`)).toBe(true);
    expect(created.err).toContain('shown only once');
    const feed = await fetch(url);
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('BEGIN:VCALENDAR');
  });

  it('cancel withdraws the change and review is refused for a change that never ran', async () => {
    const cancelled = await cli('change', 'cancel', 'C-1', '--json');
    expect(JSON.parse(cancelled.out)).toMatchObject({ id: 'C-1', state: 'cancelled' });
    const review = await cli('change', 'review', 'C-1', '--close-code', 'successful');
    expect(review.code).toBe(4);
    expect(review.err).toMatch(/^error\[CHANGE_STATE_INVALID\]: /);
    const unknown = await cli('change', 'show', 'C-99');
    expect(unknown.code).toBe(3);
    expect(unknown.err).toMatch(/^error\[CHANGE_NOT_FOUND\]: /);
  });

  it('plan create drafts one change per --to environment with the same plan, and names what it drafted before a refusal', async () => {
    const both = await cli('plan', 'create', 'shop', '1.0.0', '--to', 'staging', '--to', 'production', '--from-file', 'plan.yaml', '--json');
    expect(both.code).toBe(0);
    const { changes } = JSON.parse(both.out) as { changes: { id: string; environment: string; plan: { goals: string[] } }[] };
    expect(changes.map((change) => [change.environment, change.plan.goals])).toEqual([
      ['staging', ['Ship the new checkout']],
      ['production', ['Ship the new checkout']],
    ]);
    const partly = await cli('plan', 'create', 'shop', '1.0.0', '--to', 'staging', '--to', 'qa');
    expect(partly.code).not.toBe(0);
    expect(partly.err).toMatch(/^drafted before the error: C-\d+ \(staging\)\nerror\[ENVIRONMENT_NOT_FOUND\]: application shop has no environment qa/);
    for (const id of [...changes.map((change) => change.id), /C-\d+/.exec(partly.err)![0]]) expect((await cli('change', 'cancel', id)).code).toBe(0);
  });
});
