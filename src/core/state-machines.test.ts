import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_EVENTS, DEPLOYMENT_MACHINE, DEPLOYMENT_STATES, transitionDeployment } from './deployment/deployment-machine.js';
import { TASK_EVENTS, TASK_MACHINE, TASK_STATES, transitionTask } from './deployment/task-machine.js';
import { RefusedTransition } from './state-machine.js';

/** Every state × event pair, with the expected outcome written out: a change to either table must change this test. */
const DEPLOYMENT_ALLOWED: Record<string, string> = {
  'queued start': 'running',
  'queued fail': 'failed',
  'queued cancel': 'cancelled',
  'running pause': 'paused',
  'running succeed': 'succeeded',
  'running fail': 'failed',
  'running beginRollback': 'rolling_back',
  'running cancel': 'cancelled',
  'paused resume': 'running',
  'paused fail': 'failed',
  'paused beginRollback': 'rolling_back',
  'paused cancel': 'cancelled',
  'rolling_back finishRollback': 'rolled_back',
  'rolling_back failRollback': 'rollback_failed',
};

const TASK_ALLOWED: Record<string, string> = {
  'pending start': 'running',
  'pending skip': 'skipped',
  'pending cancel': 'cancelled',
  'running succeed': 'succeeded',
  'running fail': 'failed',
  'running cancel': 'cancelled',
  'succeeded beginRollback': 'rolling_back',
  'failed beginRollback': 'rolling_back',
  'rolling_back finishRollback': 'rolled_back',
  'rolling_back failRollback': 'rollback_failed',
};

describe('deployment state machine', () => {
  for (const state of DEPLOYMENT_STATES) {
    for (const event of DEPLOYMENT_EVENTS) {
      const expected = DEPLOYMENT_ALLOWED[`${state} ${event}`];
      it(`${state} --${event}--> ${expected ?? 'refused'}`, () => {
        if (expected) expect(transitionDeployment(state, event)).toBe(expected);
        else expect(() => transitionDeployment(state, event)).toThrow(RefusedTransition);
      });
    }
  }
  it('has no transition the test does not know', () => {
    const table = Object.entries(DEPLOYMENT_MACHINE).flatMap(([state, events]) => Object.keys(events).map((event) => `${state} ${event}`));
    expect(table.sort()).toEqual(Object.keys(DEPLOYMENT_ALLOWED).sort());
  });
});

describe('task state machine', () => {
  for (const state of TASK_STATES) {
    for (const event of TASK_EVENTS) {
      const expected = TASK_ALLOWED[`${state} ${event}`];
      it(`${state} --${event}--> ${expected ?? 'refused'}`, () => {
        if (expected) expect(transitionTask(state, event)).toBe(expected);
        else expect(() => transitionTask(state, event)).toThrow(RefusedTransition);
      });
    }
  }
  it('has no transition the test does not know', () => {
    const table = Object.entries(TASK_MACHINE).flatMap(([state, events]) => Object.keys(events).map((event) => `${state} ${event}`));
    expect(table.sort()).toEqual(Object.keys(TASK_ALLOWED).sort());
  });
});
