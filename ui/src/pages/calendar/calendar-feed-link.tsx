import { useMutation } from '@tanstack/react-query';
import { useId } from 'react';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';

/** A subscription URL for calendar apps (a read-only token, shown once). */
export function CalendarFeedLink() {
  const feed = useMutation({ mutationFn: () => api.createCalendarFeedToken() });
  const fieldId = useId();
  if (feed.isSuccess) {
    const url = new URL(feed.data.path, window.location.origin).href;
    return (
      <div className="calendar-feed">
        <label htmlFor={fieldId}>Subscription link (shown once; keep it private)</label>
        <input id={fieldId} type="text" readOnly value={url} onFocus={(event) => event.currentTarget.select()} />
      </div>
    );
  }
  return (
    <div className="calendar-feed">
      <button type="button" className="button" onClick={() => feed.mutate()} disabled={feed.isPending}>
        {feed.isPending ? 'Creating…' : 'Subscribe in a calendar app'}
      </button>
      {feed.isError && (
        <p role="alert" className="error">
          Could not create a subscription link: {messageOf(feed.error)}
        </p>
      )}
    </div>
  );
}
