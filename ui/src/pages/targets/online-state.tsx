import type { TargetDto } from '../../../../src/client/api-client.js';

type OnlineState = 'online' | 'offline' | 'revoked' | 'n/a';

/** Agents are online, offline or revoked; local and SSH targets are reached when needed, so "n/a". */
export function onlineState(target: Pick<TargetDto, 'transport' | 'online' | 'revoked'>): OnlineState {
  if (target.transport !== 'agent') return 'n/a';
  if (target.revoked) return 'revoked';
  return target.online ? 'online' : 'offline';
}

const LOOKS: Record<OnlineState, { symbol: string; tone: string }> = {
  online: { symbol: '●', tone: 'good' },
  offline: { symbol: '○', tone: 'warning' },
  revoked: { symbol: '✕', tone: 'bad' },
  'n/a': { symbol: '–', tone: 'neutral' },
};

/** The state in words, with a symbol, so colour is never the only cue. */
export function OnlineBadge({ target }: { target: Pick<TargetDto, 'transport' | 'online' | 'revoked'> }) {
  const state = onlineState(target);
  const look = LOOKS[state];
  return (
    <span className={`badge badge-${look.tone}`} data-online={state}>
      <span aria-hidden="true">{look.symbol}</span> {state}
    </span>
  );
}
