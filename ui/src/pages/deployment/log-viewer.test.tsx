// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogLineDto } from '../../../../src/client/api-client.js';
import { LOG_ROW_HEIGHT, LogViewer } from './log-viewer.js';

afterEach(cleanup);

// jsdom lays nothing out: give the scroll container a size, as a browser would.
const VIEW_HEIGHT = 400;
const restore: (() => void)[] = [];
beforeAll(() => {
  for (const [name, value] of [
    ['clientHeight', VIEW_HEIGHT],
    ['clientWidth', 800],
    ['offsetHeight', VIEW_HEIGHT],
    ['offsetWidth', 800],
  ] as const) {
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value });
    restore.push(() => Reflect.deleteProperty(HTMLElement.prototype, name));
  }
  // The content's height is what the rows' box says it is.
  Object.defineProperty(HTMLElement.prototype, 'scrollHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return Math.max(parseFloat((this.firstElementChild as HTMLElement | null)?.style.height ?? '') || 0, VIEW_HEIGHT);
    },
  });
  restore.push(() => Reflect.deleteProperty(HTMLElement.prototype, 'scrollHeight'));
  // jsdom does not scroll either: move and tell, as a browser does.
  HTMLElement.prototype.scrollTo = function (this: HTMLElement, options?: ScrollToOptions | number) {
    if (typeof options === 'object' && options.top !== undefined) this.scrollTop = options.top;
    setTimeout(() => this.dispatchEvent(new Event('scroll')));
  } as typeof HTMLElement.prototype.scrollTo;
  restore.push(() => Reflect.deleteProperty(HTMLElement.prototype, 'scrollTo'));
});
afterAll(() => restore.forEach((undo) => undo()));

function line(seq: number, target: string | null, text: string, step: string | null = 'unpack'): LogLineDto {
  return { seq, target, step, stream: target === null ? 'gantry' : 'stdout', text, at: '2026-11-27T10:00:00Z' };
}

/** The viewer with its target filter held as the deployment page holds it. */
function Viewer({ lines }: { lines: readonly LogLineDto[] }) {
  const [target, setTarget] = useState('');
  return <LogViewer lines={lines} targets={['web-1', 'web-2']} target={target} onTargetChange={setTarget} />;
}

describe('LogViewer', () => {
  it('renders ANSI colours as spans, not markup', () => {
    render(<Viewer lines={[line(1, 'web-1', '\u001b[31merror\u001b[0m: \u001b[1;32mok\u001b[0m <b>not bold</b>')]} />);
    const log = screen.getByRole('log', { name: 'Deployment logs' });
    const red = [...log.querySelectorAll('span')].find((span) => span.textContent === 'error');
    expect(red?.className).toBe('ansi-red-fg');
    const green = [...log.querySelectorAll('span')].find((span) => span.textContent === 'ok');
    expect(green?.className.split(' ').sort()).toEqual(['ansi-bold', 'ansi-green-fg']);
    expect(log.textContent).toContain('<b>not bold</b>');
    expect(log.querySelector('b')).toBeNull();
    expect(log.textContent).not.toContain('\u001b');
  });

  it('filters by target and by step', () => {
    const lines = [line(1, null, 'deployment started', null), line(2, 'web-1', 'unpacking on one'), line(3, 'web-2', 'unpacking on two'), line(4, 'web-2', 'healthy', 'health')];
    render(<Viewer lines={lines} />);
    const log = () => screen.getByRole('log');
    expect(log().textContent).toContain('unpacking on one');

    fireEvent.change(screen.getByLabelText('Target'), { target: { value: 'web-2' } });
    expect(screen.getByRole('log', { name: 'Logs of web-2' })).toBeTruthy();
    expect(log().textContent).not.toContain('unpacking on one');
    expect(log().textContent).not.toContain('deployment started');
    expect(log().textContent).toContain('unpacking on two');
    expect(log().textContent).toContain('healthy');
    expect(screen.getByText('2 of 4 lines')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Step'), { target: { value: 'health' } });
    expect(log().textContent).not.toContain('unpacking on two');
    expect(log().textContent).toContain('healthy');

    fireEvent.change(screen.getByLabelText('Target'), { target: { value: 'web-1' } });
    expect(screen.getByText('No line matches these filters.')).toBeTruthy();
  });

  it('renders only a window of 100 000 lines, following the end', async () => {
    const lines = Array.from({ length: 100_000 }, (_, index) => line(index + 1, index % 2 === 0 ? 'web-1' : 'web-2', `line ${index + 1}`));
    render(<Viewer lines={lines} />);
    const log = screen.getByRole('log');
    await waitFor(() => expect(log.textContent).toContain('line 100000'));
    const rendered = log.querySelectorAll('.log-line');
    expect(rendered.length).toBeGreaterThan(0);
    expect(rendered.length).toBeLessThan(VIEW_HEIGHT / LOG_ROW_HEIGHT + 40);
    // The whole height is there to scroll, and the view sits at the end.
    expect((log.firstElementChild as HTMLElement).style.height).toBe(`${100_000 * LOG_ROW_HEIGHT}px`);
    expect(log.textContent).toContain('line 100000');
    expect([...rendered].some((row) => row.textContent === 'web-1 line 1')).toBe(false);
    expect(screen.getByText('100,000 lines')).toBeTruthy();

    // Scrolling up stops following the end; the window moves with the scroll.
    const follow = screen.getByLabelText('Follow new lines') as HTMLInputElement;
    expect(follow.checked).toBe(true);
    log.scrollTop = 1000;
    fireEvent.scroll(log);
    await waitFor(() => expect(log.textContent).toContain('line 51'));
    expect(follow.checked).toBe(false);
    expect(log.textContent).not.toContain('line 100000');
  });
});
