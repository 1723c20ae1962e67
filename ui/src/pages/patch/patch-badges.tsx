import { EXPOSURE_LOOKS, type ExposureState, type Severity } from './patch-words.js';

const SEVERITY_TONES: Readonly<Record<Severity, string>> = { critical: 'bad', high: 'warning', medium: 'neutral', low: 'neutral', unknown: 'neutral' };

/** An exposure state in words with a symbol. */
export function ExposureStateBadge({ state }: { state: ExposureState }) {
  const look = EXPOSURE_LOOKS[state];
  return (
    <span className={`badge badge-${look.tone}`} data-exposure={state}>
      <span aria-hidden="true">{look.symbol}</span> {look.label}
    </span>
  );
}

/** An advisory's severity, in words. */
export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span className={`badge badge-${SEVERITY_TONES[severity]}`}>{severity}</span>;
}

/** A calendar date, with the exact instant on hover. */
export function DateText({ at }: { at: string }) {
  const date = new Date(at);
  return (
    <time dateTime={at} title={date.toLocaleString()}>
      {date.toLocaleDateString(undefined, { dateStyle: 'medium' })}
    </time>
  );
}
