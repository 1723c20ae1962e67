import type { ChangeRequest } from '../change/change-request.js';
import type { CommunicationNotice } from '../change/communications.js';
import type { NotificationEvent } from './events.js';

/**
 * A due stakeholder notice (src/core/change/communications.ts) as a notification: routed to the
 * subscriptions for `change.communication` of its app and environment, with the audience's email
 * contacts as extra recipients. Its once key is the notice's, so it goes once per window.
 */
export function communicationNotification(change: Pick<ChangeRequest, 'id' | 'title' | 'computed' | 'risk'>, notice: CommunicationNotice, now: Date): NotificationEvent {
  return {
    type: 'change.communication',
    subject: `change ${change.id}`,
    onceKey: notice.onceKey,
    // Sent now, whenever it fell due: a change scheduled late still tells its stakeholders.
    at: now.toISOString(),
    severity: 'info',
    title: notice.message,
    lines: [`To ${notice.audience} (${notice.when}), about change ${change.id} "${change.title}": ${change.computed.app} ${change.computed.version} to ${change.computed.environment}`],
    app: change.computed.app,
    environment: change.computed.environment,
    risk: change.risk?.level ?? null,
    labels: {},
    digestKey: null,
    recipients: notice.recipients,
    data: { change: change.id, audience: notice.audience, when: notice.when, dueAt: notice.dueAt, app: change.computed.app, environment: change.computed.environment, version: change.computed.version },
  };
}
