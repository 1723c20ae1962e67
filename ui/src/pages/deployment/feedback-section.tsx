import { useQuery } from '@tanstack/react-query';
import type { FeedbackSummaryDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { QueryView } from '../../components/query-view.js';

const RATINGS = ['5', '4', '3', '2', '1'] as const;
const average = (value: number | null) => (value === null ? '—' : value.toFixed(2));

/** What stakeholders said about the release in this environment (GET …/releases/:version/feedback), and how to ask them. */
export function FeedbackSection({ app, version, environment, deploymentId }: { app: string; version: string; environment: string; deploymentId: string }) {
  const feedback = useQuery({ queryKey: ['release-feedback', app, version], queryFn: () => api.releaseFeedback(app, version) });
  return (
    <section aria-labelledby="feedback-heading">
      <h2 id="feedback-heading">Feedback</h2>
      <QueryView query={feedback} what="the feedback">
        {(found) => {
          const here = found.summary.environments.find((row) => row.environment === environment);
          if (!here) {
            return (
              <p className="muted">
                No feedback on {version} in {environment} yet. Invite stakeholders with <code>gantry feedback link {deploymentId}</code>.
              </p>
            );
          }
          return <RatingSummary summary={here} label={`${version} in ${environment}`} />;
        }}
      </QueryView>
    </section>
  );
}

function RatingSummary({ summary, label }: { summary: Omit<FeedbackSummaryDto, 'environments'>; label: string }) {
  return (
    <>
      <p>
        {summary.count} rating{summary.count === 1 ? '' : 's'} of {label}, average <strong>{average(summary.average)}</strong> out of 5.
      </p>
      <table className="list">
        <caption className="muted">How many gave each rating</caption>
        <thead>
          <tr>
            <th scope="col">Rating</th>
            <th scope="col">Answers</th>
          </tr>
        </thead>
        <tbody>
          {RATINGS.map((rating) => (
            <tr key={rating}>
              <td>{rating}</td>
              <td>{summary.distribution[rating]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
