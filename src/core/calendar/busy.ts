import type { Interval } from './intervals.js';

/**
 * Time already taken on the same targets, such as another scheduled change; `what` names it
 * in words for conflict messages: `change C-12 on web-1, web-2`. The caller picks the busy
 * intervals that share targets with the change and leaves out the change itself.
 */
export interface BusyInterval extends Interval {
  readonly what: string;
}
