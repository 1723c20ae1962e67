/**
 * The before/after summaries an audit record keeps of the resource a request changed: a few key
 * fields, picked by name (an allow-list per kind of resource), so that no secret value, password
 * hash or token text can reach the log, and bounded in size whatever the resource holds.
 */
import type { Access } from '../access/access.js';
import type { ChangeRequest } from '../change/change-request.js';
import { isRecurring, type CalendarWindow } from '../calendar/window.js';
import type { Application, Deployment, Target } from '../model.js';
import type { Policy } from '../policy/model.js';

/** One summary: a handful of named scalar fields. */
export type ResourceSummary = Readonly<Record<string, string | number | boolean | null>>;

/** What a record says about the change: the resource before the request and after it (null: absent). */
export interface ResourceChange {
  readonly before: ResourceSummary | null;
  readonly after: ResourceSummary | null;
}

/** A text field keeps at most this many characters (then `…`). */
export const MAX_SUMMARY_TEXT = 120;
/** A list field names at most this many items (then `, … (N in all)`). */
const MAX_LIST_ITEMS = 10;

function clipText(text: string): string {
  return text.length > MAX_SUMMARY_TEXT ? `${text.slice(0, MAX_SUMMARY_TEXT)}…` : text;
}

/** Drops undefined fields and clips every text. */
function bounded(fields: Record<string, string | number | boolean | null | undefined>): ResourceSummary {
  const summary: Record<string, string | number | boolean | null> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) summary[name] = typeof value === 'string' ? clipText(value) : value;
  }
  return summary;
}

function listText(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LIST_ITEMS).join(', ');
  return items.length > MAX_LIST_ITEMS ? `${shown}, … (${items.length} in all)` : shown;
}

function labelsText(labels: Readonly<Record<string, string>>): string {
  return listText(Object.entries(labels).map(([name, value]) => `${name}=${value}`));
}

/** `admin on *∕*, deployer on shop∕staging`. */
function bindingsText(access: Access): string {
  return listText(access.map((binding) => `${binding.role} on ${binding.apps.join('|')}/${binding.environments.join('|')}`));
}

export function summariseTarget(target: Target): ResourceSummary {
  const { transport } = target;
  return bounded({
    name: target.name,
    transport: transport.type,
    address: transport.type === 'ssh' ? `${transport.user}@${transport.host}:${transport.port}` : undefined,
    labels: labelsText(target.labels),
    revoked: transport.type === 'agent' ? transport.revokedAt !== null : undefined,
  });
}

export function summariseUser(user: { readonly name: string; readonly kind: string; readonly groups: readonly string[]; readonly bindings: Access; readonly hasPassword: boolean; readonly disabledAt: string | null; readonly passwordChangedAt: string | null }): ResourceSummary {
  return bounded({
    name: user.name,
    kind: user.kind,
    roles: bindingsText(user.bindings),
    groups: listText(user.groups),
    disabled: user.disabledAt !== null,
    hasPassword: user.hasPassword,
    passwordChangedAt: user.passwordChangedAt,
  });
}

export function summariseTeam(team: { readonly name: string; readonly bindings: Access; readonly ssoGroups: readonly string[]; readonly members: readonly string[] }): ResourceSummary {
  return bounded({ name: team.name, roles: bindingsText(team.bindings), ssoGroups: listText(team.ssoGroups), members: listText(team.members) });
}

/** A token by its id and label: never its text (which is not stored) nor its hash. */
export function summariseToken(token: { readonly id: string; readonly label: string; readonly user: string; readonly scope: string; readonly access: Access; readonly expiresAt: string | null; readonly revokedAt: string | null }): ResourceSummary {
  return bounded({ id: token.id, label: token.label, user: token.user, scope: token.scope, roles: bindingsText(token.access), expiresAt: token.expiresAt, revoked: token.revokedAt !== null });
}

export function summariseWindow(window: CalendarWindow): ResourceSummary {
  const { scope } = window;
  return bounded({
    name: window.name,
    kind: window.kind,
    ...(isRecurring(window) ? { cron: window.cron, duration: window.duration, timeZone: window.timeZone } : { start: window.start, end: window.end }),
    scope: listText([...scope.apps.map((app) => `app ${app}`), ...scope.environments.map((environment) => `env ${environment}`), ...Object.entries(scope.targetLabels).map(([name, value]) => `${name}=${value}`)]),
  });
}

export function summarisePolicy(policy: Policy): ResourceSummary {
  return bounded({ name: policy.name, description: policy.description, targets: labelsText(policy.targets), rules: policy.rules.length });
}

export function summariseApplication(application: Application): ResourceSummary {
  return bounded({ name: application.name, environments: listText(application.manifest.environments.map((environment) => environment.name)), updatedAt: application.updatedAt });
}

export function summariseChange(change: ChangeRequest): ResourceSummary {
  return bounded({
    id: change.id,
    state: change.state,
    title: change.title,
    app: change.computed.app,
    environment: change.computed.environment,
    version: change.computed.version,
    planVersion: change.planVersion,
    approvals: change.approvals.length,
  });
}

export function summariseDeployment(deployment: Deployment): ResourceSummary {
  return bounded({
    id: deployment.id,
    kind: deployment.kind,
    state: deployment.state,
    app: deployment.app,
    environment: deployment.environment,
    version: deployment.version,
    controlRequest: deployment.controlRequest,
  });
}

/** A secret by its name and who set it when: never its value. */
export function summariseSecret(entry: { readonly app: string; readonly environment: string; readonly name: string; readonly updatedAt: string; readonly updatedBy: string }): ResourceSummary {
  return bounded({ app: entry.app, environment: entry.environment, name: entry.name, updatedAt: entry.updatedAt, updatedBy: entry.updatedBy });
}
