/** Times and dates in the browser's time zone, which the page names. */
export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
export const timeOf = (date: Date) => clock.format(date);

export const WEEKDAYS = { long: new Intl.DateTimeFormat(undefined, { weekday: 'long' }), short: new Intl.DateTimeFormat(undefined, { weekday: 'short' }) };
export const dayHeading = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
export const weekColumn = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
export const monthTitle = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' });
export const dayRange = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
export const shortDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
