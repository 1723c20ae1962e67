/**
 * Turns recorded state into notifications. Sources with a sequence (deployment events, change
 * events, policy flips) are read past a cursor in bounded pages; each page is one transaction
 * that writes the once keys and notifications and moves the cursor by compare-and-set, so two
 * nodes reading the same page cannot both commit it (the loser rolls back and reads on). State
 * without a sequence (drift, agent presence, upcoming windows) is looked at whole each round; its
 * once keys (one per drift episode, per time last seen, per window start) make it notify once.
 * A subscription is told only of what happened after it was created.
 */
import type { Logger } from 'pino';
import type { NotificationEvent } from '../core/notify/events.js';
import { agentOfflineNotifications, changeNotifications, complianceNotification, deploymentNotification, driftNotification, windowSoonNotifications } from '../core/notify/source-events.js';
import { subscriptionMatches } from '../core/notify/subscription.js';
import * as store from '../store/notifications.repository.js';
import type { AppDeps } from './app-deps.js';
import { dueCommunicationEvents } from './change-communications.js';
import { withReleaseNotes } from './notification-release-notes.js';
import { notificationPorts } from './notification-channels.js';
import { queueEvent } from './notifications.js';
import { listAllTargets } from './targets.js';

const PAGE_ROWS = 200;
/** Pages per source per round: a backlog is worked off over several rounds, never in one long one. */
const PAGES_PER_ROUND = 20;

class CursorMoved extends Error {}

export interface ScanSummary {
  /** Notifications queued (or digests joined) this round. */
  readonly queued: number;
}

export async function scanNotificationSources(deps: AppDeps, log?: Logger): Promise<ScanSummary> {
  const subscriptions = await store.listSubscriptions(deps.db);
  let queued = 0;
  const route = async (db: Parameters<typeof queueEvent>[1], events: readonly NotificationEvent[]) => {
    for (const event of events) {
      for (const subscription of subscriptions) {
        if (event.at < subscription.createdAt || !subscriptionMatches(subscription, event)) continue;
        if (await queueEvent(deps, db, { subscription: subscription.name, channel: subscription.channel, digestSeconds: subscription.digestSeconds }, event)) queued += 1;
      }
    }
  };
  const sources: { source: store.CursorSource; read: (db: Parameters<typeof queueEvent>[1], after: number) => Promise<{ events: NotificationEvent[]; lastSeq: number | null }> }[] = [
    {
      source: 'events',
      read: async (db, after) => {
        const page = await store.readDeploymentEvents(db, after, PAGE_ROWS);
        const events = page.rows.flatMap((row) => deploymentNotification(row) ?? []);
        return { lastSeq: page.lastSeq, events: subscriptions.length === 0 ? events : await Promise.all(events.map((event) => withReleaseNotes({ ...deps, db }, event))) };
      },
    },
    {
      source: 'change_events',
      read: async (db, after) => {
        const page = await store.readChangeEvents(db, after, PAGE_ROWS);
        return { lastSeq: page.lastSeq, events: page.rows.flatMap(changeNotifications) };
      },
    },
    {
      source: 'policy_flips',
      read: async (db, after) => {
        const page = await store.readPolicyFlips(db, after, PAGE_ROWS);
        return { lastSeq: page.lastSeq, events: page.rows.flatMap((row) => complianceNotification(row) ?? []) };
      },
    },
  ];
  for (const { source, read } of sources) {
    // A fresh cursor starts at the newest row: notifications are about what happens from now on.
    if ((await store.readCursor(deps.db, source)) === null) await store.placeCursor(deps.db, source, await store.newestSeq(deps.db, source));
    for (let page = 0; page < PAGES_PER_ROUND; page += 1) {
      try {
        const more = await deps.db.transaction().execute(async (trx) => {
          const from = (await store.readCursor(trx, source)) ?? 0;
          const { events, lastSeq } = await read(trx, from);
          if (lastSeq === null) return false;
          if (subscriptions.length > 0) await route(trx, events);
          if (!(await store.advanceCursor(trx, source, from, lastSeq))) throw new CursorMoved();
          return true;
        });
        if (!more) break;
      } catch (error) {
        if (!(error instanceof CursorMoved)) throw error;
        log?.debug({ source }, 'another node read this page first');
      }
    }
  }
  if (subscriptions.length === 0) return { queued };
  const ports = notificationPorts(deps);
  const now = deps.clock.now();
  const snapshots: NotificationEvent[] = [
    ...(await store.listDriftEpisodes(deps.db)).map(driftNotification),
    ...agentOfflineNotifications(
      (await listAllTargets(deps)).filter((view) => view.target.transport.type === 'agent').map((view) => ({ name: view.target.name, labels: view.target.labels, lastSeenAt: view.target.lastSeenAt, online: view.session !== null })),
      now,
      ports.agentOfflineMs,
    ),
    ...windowSoonNotifications(await store.listChangesStartingBetween(deps.db, now.toISOString(), new Date(now.getTime() + ports.windowLeadMs).toISOString()), now, ports.windowLeadMs),
    ...(await dueCommunicationEvents(deps, now)),
  ];
  for (const event of snapshots) await deps.db.transaction().execute((trx) => route(trx, [event]));
  return { queued };
}
