// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CreatedTokenDto } from '../../../../src/client/api-client.js';
import { TokenShownOnce } from './token-shown-once.js';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const minted: CreatedTokenDto = {
  id: 'tok_1',
  label: 'ci',
  user: 'builder',
  groups: [],
  scope: 'api',
  origin: 'minted',
  bindings: [{ role: 'deployer', apps: ['*'], environments: ['staging'] }],
  createdAt: '2026-11-27T10:00:00.000Z',
  expiresAt: '2027-02-25T10:00:00.000Z',
  revokedAt: null,
  lastUsedAt: null,
  token: 'gantry_secret_value',
};

/** As the tokens tab holds it: shown until dismissed. */
function Holder() {
  const [token, setToken] = useState<CreatedTokenDto | null>(minted);
  return token ? <TokenShownOnce token={token} onDismiss={() => setToken(null)} /> : <p>Gone</p>;
}

describe('TokenShownOnce', () => {
  it('shows the token once with a warning, copies it, and is gone after Done', async () => {
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', { clipboard: { writeText } });
    render(<Holder />);
    expect(screen.getByText(/it will not be shown again/)).toBeTruthy();
    expect(screen.getByDisplayValue('gantry_secret_value')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    expect(await screen.findByText('Copied.')).toBeTruthy();
    expect(writeText).toHaveBeenCalledWith('gantry_secret_value');
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByDisplayValue('gantry_secret_value')).toBeNull();
    expect(document.body.textContent).not.toContain('gantry_secret_value');
    expect(screen.getByText('Gone')).toBeTruthy();
  });
});
