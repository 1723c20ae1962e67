import type { ChangeDto } from '../../../../src/client/api-client.js';
import { RiskBadge } from './change-badges.js';
import { RISK_LEVEL_LOOKS } from './change-words.js';

/** The risk and why: every factor with what was seen and the points it added, then the reasons. */
export function ChangeRisk({ risk }: { risk: ChangeDto['risk'] }) {
  return (
    <section aria-labelledby="risk-heading">
      <h2 id="risk-heading">Risk</h2>
      {!risk ? (
        <p className="muted">Not assessed yet: the risk is scored when the change is submitted.</p>
      ) : (
        <>
          <p>
            <RiskBadge risk={risk} /> with a score of {risk.score}
            {risk.rule && (
              <>
                ; the rule “{risk.rule.name}” sets {RISK_LEVEL_LOOKS[risk.rule.level].label}
              </>
            )}
            .
          </p>
          {risk.reasons.length > 0 && (
            <ul>
              {risk.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          )}
          <div className="grid-scroll">
            <table className="list">
              <caption className="visually-hidden">Risk factors</caption>
              <thead>
                <tr>
                  <th scope="col">Factor</th>
                  <th scope="col">What was seen</th>
                  <th scope="col">Points</th>
                </tr>
              </thead>
              <tbody>
                {risk.factors.map((factor) => (
                  <tr key={factor.factor}>
                    <th scope="row">{factor.label}</th>
                    <td>{factor.value}</td>
                    <td className="number">{factor.contribution}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
