import { STATE_WORDS, type PolicyState as State } from './policy-words.js';

/** A target's state against a policy: symbol (decoration) and words. */
export function PolicyState({ state }: { state: State | null }) {
  if (state === null) return <span className="muted">first evaluation</span>;
  const words = STATE_WORDS[state];
  return (
    <span className={`policy-state policy-state-${state}`}>
      <span aria-hidden="true">{words.symbol}</span> {words.label}
    </span>
  );
}
