// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { StateBadge } from './state-badge.js';

afterEach(cleanup);

describe('StateBadge', () => {
  it('says the state in words, not only in colour', () => {
    render(<StateBadge state="rolled_back" />);
    expect(screen.getByText('rolled back')).toBeTruthy();
    expect(document.querySelector('[data-state="rolled_back"]')?.className).toContain('badge-bad');
  });
});
