import { mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { DeploymentDetailDto, ProblemDto, QueuedDeploymentDto } from '../../src/protocol/api.js';
import type { ChangeDto, ChangeEventDto } from '../../src/protocol/changes-api.js';
import type { CreatedTokenDto } from '../../src/protocol/tokens-api.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { httpApi, type HttpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Change control joined to execution, on real local targets and a real server: a protected
 * environment refuses deployments without an authorised change, approvals follow the policy
 * with separation of duties, the change is re-checked before every batch (a freeze pauses the
 * rollout until it lifts), a scheduled change starts itself after a restart, and the change is
 * closed with evidence from what ran.
 */
const TARGETS = ['p1', 'p2', 'p3'];

/** Production needs two approvals from cab; emergencies one from the emergency group. */
const SETTINGS = `approvals:
  rules:
    - changeTypes: [emergency]
      policy: { name: emergency, requirements: [{ group: emergency, count: 1 }] }
    - environment: production
      policy: { name: cab, requirements: [{ group: cab, count: 2 }] }
  otherwise: { name: peer, requirements: [{ group: approvers, count: 1 }] }
`;

const ROLLING = '{ type: rolling, batch: 1, pauseBetweenBatches: 300ms }';
/** Long enough between batches for a test to act after one batch and before the next. */
const ROLLING_SLOWLY = '{ type: rolling, batch: 1, pauseBetweenBatches: 1500ms }';

/** Rolling one target at a time with a pause between batches (by default); the hook fails on a target when the release says so. */
function manifest(app: string, strategy = ROLLING): string {
  return `app: ${app}
environments:
  - { name: production, targets: { role: web }, protected: true }
  - { name: staging, targets: { role: web } }
hooks:
  afterActivate: 'if [ -f "$GANTRY_RELEASE_DIR/fail-on-$GANTRY_TARGET" ]; then echo "refusing on $GANTRY_TARGET" >&2; exit 1; fi'
strategy: ${strategy}
`;
}

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
const OPEN_WINDOW = () => ({ start: minutesFromNow(-1), end: minutesFromNow(60) });
/** Started by hand inside its window (`autoStart: false`), unless a test says otherwise. */
const READY_PLAN = (window = OPEN_WINDOW(), autoStart = false) => ({
  goals: ['Ship the new checkout'],
  window,
  autoStart,
  risks: [{ risk: 'payment errors', mitigation: 'automatic rollback on failed health checks' }],
  checklist: [
    { item: 'runbook updated', owner: 'alice', status: 'done' },
    { item: 'support team trained', owner: 'bob', status: 'waived', reason: 'no user-facing change' },
  ],
});

for (const dialect of DIALECTS) describe(`change control (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  let dataDir: string;
  let settingsFile: string;
  const roots: Record<string, string> = {};
  const people: Record<string, HttpApi> = {};
  const currentOf = (app: string, target: string) => readlinkSync(join(roots[target]!, app, 'current'));

  const start = () =>
    startTestGantry({ dataDir, env: { GANTRY_CHANGE_SETTINGS: settingsFile }, ...(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {}) });

  async function asPeople(): Promise<void> {
    const roles = { alice: 'deployer', bob: 'approver', carol: 'approver', dave: 'approver', eve: 'deployer', frank: 'approver' };
    for (const [user, groups] of Object.entries({ alice: ['dev'], bob: ['cab'], carol: ['cab'], dave: ['emergency'], eve: ['ops'], frank: ['ops'] })) {
      const created = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user, groups, role: roles[user as keyof typeof roles] });
      expect(created.status).toBe(201);
      people[user] = httpApi(gantry.url, created.body.token);
    }
    // A second token for alice, one that may approve: it is still alice.
    const approverToken = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'alice', groups: ['cab'], role: 'approver', label: 'alice as approver' });
    people['alice-approving'] = httpApi(gantry.url, approverToken.body.token);
    const deployerToken = await gantry.api<CreatedTokenDto>('POST', '/tokens', { user: 'bob', groups: ['cab'], role: 'deployer', label: 'bob as deployer' });
    people['bob-deploying'] = httpApi(gantry.url, deployerToken.body.token);
  }

  /** An app with releases 1.0.0 (live everywhere, deployed under its own change) and 2.0.0 (optionally failing on a target). */
  async function prepareApp(app: string, failOn?: string, strategy = ROLLING): Promise<void> {
    await gantry.apply(manifest(app, strategy));
    await gantry.release(app, '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    await gantry.release(app, '2.0.0', makeBuildDir({ VERSION: '2.0.0', ...(failOn ? { [`fail-on-${failOn}`]: 'yes' } : {}) }));
    const first = await authorisedChange(app, '1.0.0');
    const queued = await deployAs('eve', app, '1.0.0', first.id);
    expect((await gantry.waitFor(queued.deployment.id)).deployment.state).toBe('succeeded');
    await waitForChangeState(first.id, 'review');
  }

  async function createChange(as: string, body: Record<string, unknown>): Promise<ChangeDto> {
    const created = await people[as]!.api<ChangeDto>('POST', '/changes', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  }

  async function act(as: string, id: string, action: string, body?: unknown): Promise<{ status: number; body: ChangeDto & ProblemDto }> {
    return people[as]!.api<ChangeDto & ProblemDto>('POST', `/changes/${id}/${action}`, body);
  }

  /** Alice asks, bob and carol (cab) approve: the change is scheduled. */
  async function authorisedChange(app: string, version: string, plan: unknown = READY_PLAN(), type = 'normal'): Promise<ChangeDto> {
    const change = await createChange('alice', { app, version, environment: 'production', type, plan });
    expect((await act('alice', change.id, 'submit')).body.state).toBe('authorize');
    for (const approver of type === 'emergency' ? ['dave'] : ['bob', 'carol']) {
      const approved = await act(approver, change.id, 'approve');
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    }
    const scheduled = await gantry.api<ChangeDto>('GET', `/changes/${change.id}`);
    expect(scheduled.body.state).toBe('scheduled');
    return scheduled.body;
  }

  function deployAs(user: string, app: string, version: string, change?: string, environment = 'production') {
    return people[user]!.api<QueuedDeploymentDto & ProblemDto>('POST', '/deployments', { app, version, environment, ...(change ? { change } : {}) }).then((result) => {
      if (result.status !== 202) throw new Error(`deploy failed with ${result.status}: ${JSON.stringify(result.body)}`);
      return result.body;
    });
  }

  async function waitForChangeState(id: string, state: string, timeoutMs = 30_000): Promise<ChangeDto> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await gantry.api<ChangeDto>('GET', `/changes/${id}`);
      if (body.state === state) return body;
      if (Date.now() > deadline) throw new Error(`change ${id} is ${body.state}, not ${state}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-server-'));
    settingsFile = join(dataDir, 'change-settings.yaml');
    writeFileSync(settingsFile, SETTINGS);
    gantry = await start();
    for (const name of TARGETS) {
      roots[name] = mkdtempSync(join(tmpdir(), `gantry-${name}-`));
      await gantry.addTarget({ name, labels: { role: 'web' }, local: { root: roots[name] } });
    }
    await asPeople();
  });
  // Every test's targets are the same three machines: a change left booked would conflict with the next test's.
  afterEach(async () => {
    const { body } = await gantry.api<{ changes: ChangeDto[] }>('GET', '/changes?limit=500');
    for (const change of body.changes.filter((candidate) => ['new', 'assess', 'authorize', 'scheduled'].includes(candidate.state))) {
      await gantry.api('POST', `/changes/${change.id}/cancel`);
    }
  });
  afterAll(async () => {
    await gantry?.close();
    await database?.drop();
  });

  it('only admins mint tokens for people', async () => {
    const refused = await people.alice!.api<ProblemDto>('POST', '/tokens', { user: 'mallory', groups: ['cab'] });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('PERMISSION_DENIED');
  });

  it('refuses a deployment to a protected environment without an authorised change', async () => {
    await gantry.apply(manifest('gate'));
    await gantry.release('gate', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    const refused = await gantry.api<ProblemDto>('POST', '/deployments', { app: 'gate', version: '1.0.0', environment: 'production' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'CHANGE_NOT_AUTHORISED', detail: expect.stringContaining('production is protected') });
    // Still waiting for approval: not authorised either.
    const pending = await createChange('alice', { app: 'gate', version: '1.0.0', environment: 'production', plan: READY_PLAN() });
    await act('alice', pending.id, 'submit');
    const waiting = await people.eve!.api<ProblemDto>('POST', '/deployments', { app: 'gate', version: '1.0.0', environment: 'production', change: pending.id });
    expect(waiting.body).toMatchObject({ code: 'CHANGE_NOT_AUTHORISED', detail: expect.stringContaining('waiting for approval') });
    expect((await gantry.api<{ deployments: unknown[] }>('GET', '/deployments?app=gate')).body.deployments).toEqual([]);
  });

  it('holds separation of duties: the requester (an admin too) cannot approve, and a deploying approver voids their vote', async () => {
    await gantry.apply(manifest('duties'));
    await gantry.release('duties', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    const adminsOwn = await gantry.api<ChangeDto>('POST', '/changes', { app: 'duties', version: '1.0.0', environment: 'production', plan: READY_PLAN() });
    await gantry.api('POST', `/changes/${adminsOwn.body.id}/submit`);
    const adminApproves = await gantry.api<ProblemDto>('POST', `/changes/${adminsOwn.body.id}/approve`);
    expect(adminApproves.status).toBe(403);
    expect(adminApproves.body).toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN', detail: expect.stringContaining('admins included') });
    // It holds the targets for its window: withdraw it before alice asks for the same time.
    expect((await gantry.api<ChangeDto>('POST', `/changes/${adminsOwn.body.id}/cancel`)).body.state).toBe('cancelled');

    const own = await createChange('alice', { app: 'duties', version: '1.0.0', environment: 'production', plan: READY_PLAN() });
    await act('alice', own.id, 'submit');
    expect((await act('alice', own.id, 'approve')).body).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect((await act('alice-approving', own.id, 'approve')).body).toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN' });

    expect((await act('eve', own.id, 'approve')).body.code).toBe('PERMISSION_DENIED');
    const outsider = await act('frank', own.id, 'approve');
    expect(outsider.status).toBe(403);
    expect(outsider.body.code).toBe('APPROVER_NOT_ELIGIBLE');

    await act('bob', own.id, 'approve');
    await act('carol', own.id, 'approve');
    const bobDeploys = await people['bob-deploying']!.api<ProblemDto>('POST', '/deployments', { app: 'duties', version: '1.0.0', environment: 'production', change: own.id });
    expect(bobDeploys.status).toBe(409);
    expect(bobDeploys.body).toMatchObject({ code: 'CHANGE_NOT_AUTHORISED', detail: expect.stringContaining('bob is the deployer') });
  });

  it('resets approvals when the plan is edited after approval', async () => {
    await gantry.apply(manifest('edits'));
    await gantry.release('edits', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    const change = await authorisedChange('edits', '1.0.0');
    expect(change.approvalStatus).toMatchObject({ status: 'approved' });
    const edited = await people.alice!.api<ChangeDto>('PATCH', `/changes/${change.id}`, { plan: { ...READY_PLAN(), goals: ['Ship the new checkout, and the new cart'] } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ state: 'authorize', planVersion: 2, approvalStatus: { status: 'pending', counted: [], missing: [{ group: 'cab', needed: 2 }] } });
    expect(edited.body.approvalStatus!.ignored.map((entry) => entry.reason)).toEqual(['stale_plan', 'stale_plan']);
    const history = await gantry.api<{ events: ChangeEventDto[] }>('GET', `/changes/${change.id}/history`);
    expect(history.body.events.map((event) => event.type)).toEqual(['change:created', 'change:submitted', 'change:assessed', 'change:approved-by', 'change:approved-by', 'change:revised']);
    expect(history.body.events.at(-1)).toMatchObject({ actor: 'alice', fromState: 'scheduled', toState: 'authorize' });
  });

  it('lets an approver send a change back for rework, voiding the decisions given', async () => {
    await gantry.apply(manifest('rework'));
    await gantry.release('rework', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    const change = await createChange('alice', { app: 'rework', version: '1.0.0', environment: 'production', plan: READY_PLAN() });
    await act('alice', change.id, 'submit');
    await act('bob', change.id, 'approve');
    expect((await act('alice-approving', change.id, 'send-back')).body.code).toBe('SELF_APPROVAL_FORBIDDEN');
    const sentBack = await act('carol', change.id, 'send-back', { comment: 'add a rollback rehearsal' });
    expect(sentBack.body).toMatchObject({ state: 'new', planVersion: 2 });
    expect((await people.alice!.api<ProblemDto>('PATCH', `/changes/${change.id}`, {})).body).toMatchObject({ code: 'REQUEST_INVALID' });
    const resubmitted = await act('alice', change.id, 'submit');
    expect(resubmitted.body.approvalStatus).toMatchObject({ status: 'pending', counted: [], missing: [{ group: 'cab', needed: 2 }] });
  });

  it('lets an app use a standard change once it has earned it, without a vote', async () => {
    await gantry.apply(manifest('routine', '{ type: allAtOnce }'));
    await gantry.release('routine', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    const early = await people.alice!.api<ProblemDto>('POST', '/changes', { app: 'routine', version: '1.0.0', environment: 'staging', type: 'standard', plan: READY_PLAN() });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'CHANGE_NOT_READY', detail: expect.stringContaining('no successful deployment yet') });
    for (let run = 0; run < 3; run++) expect((await gantry.waitFor((await gantry.deploy('routine', '1.0.0', 'staging')).deployment.id)).deployment.state).toBe('succeeded');
    const standard = await createChange('alice', { app: 'routine', version: '1.0.0', environment: 'staging', type: 'standard', plan: READY_PLAN() });
    expect((await act('alice', standard.id, 'submit')).body.state).toBe('scheduled');
    const queued = await deployAs('eve', 'routine', '1.0.0', standard.id, 'staging');
    expect((await gantry.waitFor(queued.deployment.id)).deployment.state).toBe('succeeded');
    expect((await waitForChangeState(standard.id, 'review')).evidence).toMatchObject({ proposal: { closeCode: 'successful' } });
    // The template includes the strategy: a rolling release has not earned it.
    await gantry.apply(manifest('routine'));
    await gantry.release('routine', '2.0.0', makeBuildDir({ VERSION: '2.0.0' }));
    const other = await people.alice!.api<ProblemDto>('POST', '/changes', { app: 'routine', version: '2.0.0', environment: 'staging', type: 'standard', plan: READY_PLAN() });
    expect(other.body).toMatchObject({ code: 'CHANGE_NOT_READY', detail: expect.stringContaining('routine in staging with rolling may not use a standard change') });
  });

  it('halts the rollout before the next batch once the change window has closed; an abort then rolls it back', async () => {
    await prepareApp('overrun');
    await gantry.apply(manifest('overrun', '{ type: rolling, batch: 1, pauseBetweenBatches: 3s }'));
    await gantry.release('overrun', '3.0.0', makeBuildDir({ VERSION: '3.0.0' }));
    const change = await authorisedChange('overrun', '3.0.0', READY_PLAN({ start: minutesFromNow(-1), end: new Date(Date.now() + 2000).toISOString() }));
    const queued = await deployAs('eve', 'overrun', '3.0.0', change.id);
    const id = queued.deployment.id;
    const paused = await gantry.waitForEvent(id, (event) => event.type === 'deployment:paused');
    expect(paused.data).toMatchObject({ reason: expect.stringContaining('OUTSIDE_WINDOW'), resumeAt: null });
    expect((await gantry.show(id)).tasks.filter((task) => task.state === 'succeeded').map((task) => task.target)).toEqual(['p1']);
    // A resume meets the closed window again.
    expect((await gantry.api('POST', `/deployments/${id}/resume`)).status).toBe(202);
    await gantry.waitForEvent(id, (event) => event.type === 'deployment:paused' && event.seq > paused.seq);
    expect((await gantry.api('POST', `/deployments/${id}/abort`)).status).toBe(202);
    expect((await gantry.waitFor(id)).deployment.state).toBe('rolled_back');
    expect(currentOf('overrun', 'p1')).toBe('releases/1.0.0');
    const reviewed = await waitForChangeState(change.id, 'review');
    expect(reviewed.evidence).toMatchObject({ proposal: { closeCode: 'unsuccessful' }, withinPlannedWindow: false });
  });

  it('books an emergency change outside the maintenance windows, which a normal change may not use', async () => {
    await gantry.apply(manifest('night', '{ type: allAtOnce }'));
    await gantry.release('night', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    const nextYear = new Date().getUTCFullYear() + 1;
    const maintenance = { name: `night-${dialect}`, kind: 'maintenance', start: `${nextYear}-01-10T22:00:00Z`, end: `${nextYear}-01-11T02:00:00Z`, scope: { apps: ['night'] } };
    expect((await gantry.api('POST', '/windows', maintenance)).status).toBe(201);
    const normal = await createChange('alice', { app: 'night', version: '1.0.0', environment: 'production', plan: READY_PLAN() });
    const refused = await act('alice', normal.id, 'submit');
    expect(refused.status).toBe(409);
    expect(refused.body.conflicts?.map((conflict) => conflict.kind)).toEqual(['outside_maintenance']);
    await act('alice', normal.id, 'cancel');
    const emergency = await authorisedChange('night', '1.0.0', READY_PLAN(), 'emergency');
    expect(emergency.risk?.factors.find((factor) => factor.factor === 'maintenanceWindow')?.contribution).toBeGreaterThan(0);
    const queued = await deployAs('eve', 'night', '1.0.0', emergency.id);
    expect((await gantry.waitFor(queued.deployment.id)).deployment.state).toBe('succeeded');
    await waitForChangeState(emergency.id, 'review');
    expect((await gantry.api('DELETE', `/windows/${maintenance.name}`)).status).toBe(204);
  });

  it('deploys inside the window, checks every batch, and closes the change with evidence', async () => {
    await prepareApp('shop');
    const change = await authorisedChange('shop', '2.0.0');
    expect(change.risk?.factors.map((factor) => factor.factor)).toContain('environmentCriticality');
    const queued = await deployAs('eve', 'shop', '2.0.0');
    expect(queued.deployment.changeId).toBe(change.id);
    expect((await gantry.waitFor(queued.deployment.id)).deployment.state).toBe('succeeded');
    expect(TARGETS.map((target) => currentOf('shop', target))).toEqual(TARGETS.map(() => 'releases/2.0.0'));

    const reviewed = await waitForChangeState(change.id, 'review');
    expect(reviewed).toMatchObject({ deployer: 'eve', deploymentId: queued.deployment.id });
    const evidence = reviewed.evidence as { proposal: { closeCode: string }; batches: { verdict: string }[]; approvals: { by: string }[] };
    expect(evidence.proposal.closeCode).toBe('successful');
    expect(evidence.batches.map((batch) => batch.verdict)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(evidence.approvals.map((approval) => approval.by)).toEqual(['bob', 'carol']);
    const closed = await act('carol', change.id, 'review', { notes: 'as planned' });
    expect(closed.body).toMatchObject({ state: 'closed', review: { closeCode: 'successful', proposedCloseCode: 'successful', reviewer: 'carol' } });
  });

  it('refuses a deployment outside the change window', async () => {
    await gantry.apply(manifest('later'));
    await gantry.release('later', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    const change = await authorisedChange('later', '1.0.0', READY_PLAN({ start: minutesFromNow(120), end: minutesFromNow(180) }));
    const early = await people.eve!.api<ProblemDto>('POST', '/deployments', { app: 'later', version: '1.0.0', environment: 'production', change: change.id });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('OUTSIDE_WINDOW');
  });

  it('pauses the rollout when a freeze starts between batches, and goes on when it lifts', async () => {
    await prepareApp('frozen', undefined, ROLLING_SLOWLY);
    const change = await authorisedChange('frozen', '2.0.0');
    const queued = await deployAs('eve', 'frozen', '2.0.0');
    const id = queued.deployment.id;
    await gantry.waitForEvent(id, (event) => event.type === 'batch:finished' && event.data.batch === 0);
    const freeze = { name: `freeze-${dialect}`, kind: 'freeze', start: new Date(Date.now() - 1000).toISOString(), end: new Date(Date.now() + 4000).toISOString(), scope: { environments: ['production'] } };
    expect((await gantry.api('POST', '/windows', freeze)).status).toBe(201);
    // The freeze goes whatever happens here: the later cases submit changes to production.
    onTestFinished(async () => {
      expect((await gantry.api('DELETE', `/windows/${freeze.name}`)).status).toBe(204);
    });
    const paused = await gantry.waitForEvent(id, (event) => event.type === 'deployment:paused');
    expect(paused.data.reason).toEqual(expect.stringContaining('FREEZE_ACTIVE'));
    expect(paused.data.resumeAt).toBe(new Date(freeze.end).toISOString());
    const detail: DeploymentDetailDto = await gantry.show(id);
    expect(detail.tasks.filter((task) => task.state === 'succeeded').map((task) => task.target)).toEqual(['p1']);
    const done = await gantry.waitFor(id);
    expect(done.deployment.state).toBe('succeeded');
    expect(Date.parse(done.deployment.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(freeze.end));
    const reviewed = await waitForChangeState(change.id, 'review');
    const evidence = reviewed.evidence as { proposal: { closeCode: string }; pauses: { cause: string; reason: string; endedBy: string }[] };
    expect(evidence.pauses).toEqual([expect.objectContaining({ cause: 'change_control', reason: expect.stringContaining('FREEZE_ACTIVE'), endedBy: 'timer' })]);
  });

  it('closes with evidence of a rolled-back batch, proposing unsuccessful', async () => {
    await prepareApp('broken', 'p2');
    const change = await authorisedChange('broken', '2.0.0');
    const queued = await deployAs('eve', 'broken', '2.0.0');
    expect((await gantry.waitFor(queued.deployment.id)).deployment.state).toBe('rolled_back');
    expect(TARGETS.map((target) => currentOf('broken', target))).toEqual(TARGETS.map(() => 'releases/1.0.0'));
    const reviewed = await waitForChangeState(change.id, 'review');
    const evidence = reviewed.evidence as { proposal: { closeCode: string }; batches: { verdict: string; rollback: string }[]; rollback: { result: string } | null };
    expect(evidence.proposal.closeCode).toBe('unsuccessful');
    expect(evidence.batches.map((batch) => [batch.verdict, batch.rollback])).toEqual([
      ['succeeded', 'rolled_back'],
      ['failed', 'rolled_back'],
      ['not_started', 'none'],
    ]);
    const closed = await act('bob', change.id, 'review');
    expect(closed.body.review).toMatchObject({ closeCode: 'unsuccessful' });
  });

  it('takes the emergency path: one approval from the emergency group, and the review is not optional', async () => {
    await prepareApp('urgent');
    const change = await createChange('alice', { app: 'urgent', version: '2.0.0', environment: 'production', type: 'emergency', plan: READY_PLAN() });
    const submitted = await act('alice', change.id, 'submit');
    expect(submitted.body).toMatchObject({ state: 'authorize', approvalPolicy: { name: 'emergency' } });
    expect((await act('dave', change.id, 'approve')).body.state).toBe('scheduled');
    const queued = await deployAs('eve', 'urgent', '2.0.0');
    expect((await gantry.waitFor(queued.deployment.id)).deployment.state).toBe('succeeded');
    const inReview = await waitForChangeState(change.id, 'review');
    expect(inReview.type).toBe('emergency');
    // Nothing but a review moves it on.
    expect((await act('alice', change.id, 'cancel')).body.code).toBe('CHANGE_STATE_INVALID');
    expect((await act('dave', change.id, 'review', { closeCode: 'successful_with_issues', notes: 'hotfix, follow-up problem record' })).body).toMatchObject({
      state: 'closed',
      review: { closeCode: 'successful_with_issues', proposedCloseCode: 'successful' },
    });
  });

  it('refuses to schedule a change on targets another change holds, naming the conflict, and proposes free slots', async () => {
    await gantry.apply(manifest('busy'));
    await gantry.release('busy', '1.0.0', makeBuildDir({ VERSION: '1.0.0' }));
    const window = { start: minutesFromNow(24 * 60), end: minutesFromNow(24 * 60 + 60) };
    await authorisedChange('busy', '1.0.0', READY_PLAN(window));
    const second = await createChange('alice', { app: 'busy', version: '1.0.0', environment: 'production', plan: READY_PLAN(window) });
    const refused = await act('alice', second.id, 'submit');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'CONFLICT' });
    expect(refused.body.conflicts?.map((conflict) => conflict.kind)).toEqual(['busy']);
    const slots = await gantry.api<{ slots: { start: string; end: string }[] }>('GET', `/changes/${second.id}/next-slots`);
    expect(slots.status).toBe(200);
    expect(slots.body.slots.length).toBeGreaterThan(0);
    for (const slot of slots.body.slots) expect(Date.parse(slot.end) <= Date.parse(window.start) || Date.parse(slot.start) >= Date.parse(window.end)).toBe(true);
  });

  it('serves the calendar with the changes, and an iCalendar feed only to a feed token', async () => {
    const feed = await gantry.api<{ token: string; path: string }>('POST', '/calendar/feed-token');
    expect(feed.status).toBe(201);
    const ics = await fetch(`${gantry.url}${feed.body.path}`);
    expect(ics.status).toBe(200);
    expect(ics.headers.get('content-type')).toContain('text/calendar');
    const text = await ics.text();
    expect(text).toContain('BEGIN:VCALENDAR');
    expect(text).toMatch(/SUMMARY:C-\d+: Deploy shop 2\.0\.0 to production/);
    expect((await fetch(`${gantry.url}/api/v1/calendar.ics?token=${gantry.token}`)).status).toBe(401);
    const feedAsApi = await fetch(`${gantry.url}/api/v1/changes`, { headers: { authorization: `Bearer ${feed.body.token}` } });
    expect(feedAsApi.status).toBe(401);
  });

  // Last: it restarts the server.
  it('starts a scheduled change by itself at its window, also after a restart', async () => {
    await prepareApp('nightly');
    const window = { start: new Date(Date.now() + 3000).toISOString(), end: minutesFromNow(60) };
    const change = await authorisedChange('nightly', '2.0.0', READY_PLAN(window, true));
    await gantry.close();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(window.start) - Date.now() + 200)));
    gantry = await start();
    const implementing = await waitForChangeState(change.id, 'implement');
    expect(implementing.deployer).toBe('gantry');
    expect((await gantry.waitFor(implementing.deploymentId!)).deployment.state).toBe('succeeded');
    expect(TARGETS.map((target) => currentOf('nightly', target))).toEqual(TARGETS.map(() => 'releases/2.0.0'));
    await waitForChangeState(change.id, 'review');
  });
});

describe('change control with windowEnd: rollback and a policy that needs no vote', () => {
  let gantry: TestGantry;
  let root: string;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-server-'));
    const settingsFile = join(dataDir, 'change-settings.yaml');
    writeFileSync(settingsFile, 'windowEnd: rollback\napprovals: { rules: [], otherwise: { name: pre-approved, requirements: [] } }\n');
    gantry = await startTestGantry({ env: { GANTRY_CHANGE_SETTINGS: settingsFile } });
    for (const name of ['r1', 'r2']) {
      const targetRoot = mkdtempSync(join(tmpdir(), `gantry-${name}-`));
      if (name === 'r1') root = targetRoot;
      await gantry.addTarget({ name, labels: { role: 'web' }, local: { root: targetRoot } });
    }
  });
  afterAll(async () => {
    await gantry?.close();
  });

  /** Created and submitted: with no approvals required, it is scheduled on the spot. */
  async function scheduledChange(version: string, window: { start: string; end: string }): Promise<ChangeDto> {
    const created = await gantry.api<ChangeDto>('POST', '/changes', { app: 'late', version, environment: 'production', plan: READY_PLAN(window) });
    const submitted = await gantry.api<ChangeDto>('POST', `/changes/${created.body.id}/submit`);
    expect(submitted.body).toMatchObject({ state: 'scheduled', approvalPolicy: { name: 'pre-approved', requirements: [] } });
    return submitted.body;
  }

  it('rolls the deployment back before the next batch once its window has closed', async () => {
    await gantry.apply(manifest('late', '{ type: rolling, batch: 1, pauseBetweenBatches: 3s }'));
    for (const version of ['1.0.0', '2.0.0']) await gantry.release('late', version, makeBuildDir({ VERSION: version }));
    const first = await scheduledChange('1.0.0', OPEN_WINDOW());
    const firstRun = await gantry.api<QueuedDeploymentDto>('POST', '/deployments', { app: 'late', version: '1.0.0', environment: 'production', change: first.id });
    expect((await gantry.waitFor(firstRun.body.deployment.id)).deployment.state).toBe('succeeded');
    for (let tries = 0; (await gantry.api<ChangeDto>('GET', `/changes/${first.id}`)).body.state !== 'review' && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));

    const change = await scheduledChange('2.0.0', { start: minutesFromNow(-1), end: new Date(Date.now() + 2000).toISOString() });
    const queued = await gantry.api<QueuedDeploymentDto>('POST', '/deployments', { app: 'late', version: '2.0.0', environment: 'production', change: change.id });
    const detail = await gantry.waitFor(queued.body.deployment.id);
    expect(detail.deployment).toMatchObject({ state: 'rolled_back', reason: expect.stringContaining('OUTSIDE_WINDOW') });
    expect(readlinkSync(join(root, 'late', 'current'))).toBe('releases/1.0.0');
  });
});
