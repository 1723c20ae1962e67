import { useId } from 'react';
import type { PolicyDto, PolicyResultRowDto } from '../../../../src/client/api-client.js';
import { PolicyHistory } from './policy-history.js';
import { PolicyTargets } from './policy-targets.js';
import { ruleText, selectorText } from './policy-words.js';

/** One policy: what it asks in words, what to do when it fails, the targets that fail it or are unknown, and its history. */
export function PolicyCard({ policy, rows }: { policy: PolicyDto; rows: PolicyResultRowDto[] }) {
  const headingId = useId();
  return (
    <article className="policy-card" aria-labelledby={headingId}>
      <h3 id={headingId}>{policy.name}</h3>
      {policy.description && <p className="policy-description">{policy.description}</p>}
      <dl className="policy-facts">
        <dt>Applies to</dt>
        <dd>{selectorText(policy.targets)}</dd>
        <dt>Rules (all must pass)</dt>
        <dd>
          <ul className="policy-rules">
            {policy.rules.map((rule, index) => (
              <li key={index}>{ruleText(rule)}</li>
            ))}
          </ul>
        </dd>
        <dt>Resolution</dt>
        <dd>{policy.resolution || <span className="muted">none given</span>}</dd>
      </dl>
      <PolicyTargets policy={policy.name} rows={rows.filter((row) => row.policy === policy.name)} />
      <PolicyHistory policy={policy.name} />
    </article>
  );
}
