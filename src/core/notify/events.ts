/**
 * What people can be told about (issue 10): the notification events, in the domain's words. Each
 * is a projection of state Gantry already records (deployment events, change events, drift
 * checks, policy flips, agent presence), so a notification never says something the store does not.
 */
export const NOTIFICATION_EVENTS = [
  'change.submitted',
  'change.approved',
  'change.rejected',
  'change.scheduled',
  /** A scheduled change's window opens soon (lead time set per installation). */
  'change.window-soon',
  /** A stakeholder notice from a change's communication plan (sent to the plan's audience). */
  'change.communication',
  'deployment.started',
  /** One per batch, not per target: the batch's targets are listed in it (a digest by nature). */
  'deployment.batch-finished',
  'deployment.succeeded',
  'deployment.failed',
  'deployment.rolled-back',
  /** Paused at a gate that needs a person to promote it. */
  'deployment.waiting-for-promotion',
  'drift.detected',
  'compliance.changed',
  'agent.offline',
] as const;

export type NotificationEventType = (typeof NOTIFICATION_EVENTS)[number];

export type NotificationSeverity = 'info' | 'success' | 'warning' | 'failure';

/**
 * One thing that happened, ready to be matched against subscriptions and rendered. `onceKey`
 * (event + subject + state) is what makes it notify at most once per subscription, whatever
 * retries, restarts or several nodes do.
 */
export interface NotificationEvent {
  readonly type: NotificationEventType;
  /** What it is about: `deployment D-12`, `change C-4`, `target web-1`, `policy ssh-hardening`. */
  readonly subject: string;
  readonly onceKey: string;
  readonly at: string;
  readonly severity: NotificationSeverity;
  /** One line a person reads first. */
  readonly title: string;
  /** Further lines (what, where, why), plain text. */
  readonly lines: readonly string[];
  /** Filters: subscriptions narrow by these. */
  readonly app: string | null;
  readonly environment: string | null;
  readonly risk: 'low' | 'moderate' | 'high' | 'very_high' | null;
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Events with the same digest key that arrive within a subscription's digest period are sent as
   * one message (drift and compliance changes per host, for example); null: sent on its own.
   */
  readonly digestKey: string | null;
  /** Email addresses to tell besides the channel's own (a stakeholder notice's audience contacts). */
  readonly recipients?: readonly string[];
  /** Structured facts for machine readers (the webhook body's `data`). */
  readonly data: Readonly<Record<string, unknown>>;
}
