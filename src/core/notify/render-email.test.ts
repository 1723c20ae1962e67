import { describe, expect, it } from 'vitest';
import type { NotificationMessage } from './message.js';
import { escapeHtml, renderEmail } from './render-email.js';

const message = (overrides: Partial<NotificationMessage> = {}): NotificationMessage => ({
  id: 'N-1',
  type: 'deployment.failed',
  subject: 'deployment D-12',
  severity: 'failure',
  title: 'shop 1.4.2 failed in production',
  lines: ['Step "migrate" failed on web-1', 'Rolled back to 1.4.1'],
  items: [{ subject: 'deployment D-12', title: 'shop 1.4.2 failed in production', at: '2026-11-28T04:00:00.000Z', data: {} }],
  link: 'https://gantry.example.com/deployments/D-12',
  createdAt: '2026-11-28T04:00:01.000Z',
  ...overrides,
});

describe('email rendering', () => {
  it('has a [Gantry] subject, and text and HTML bodies saying the same', () => {
    const email = renderEmail(message());
    expect(email.subject).toBe('[Gantry] shop 1.4.2 failed in production');
    expect(email.text).toContain('shop 1.4.2 failed in production\n\nStep "migrate" failed on web-1\nRolled back to 1.4.1');
    expect(email.text).toContain('Open in Gantry: https://gantry.example.com/deployments/D-12');
    expect(email.text).toContain('Deployment failed · deployment D-12 · 2026-11-28T04:00:01.000Z');
    expect(email.html).toContain('<h1 style="font-size:18px;margin:4px 0 8px">shop 1.4.2 failed in production</h1>');
    expect(email.html).toContain('Step &quot;migrate&quot; failed on web-1');
    expect(email.html).toContain('<a href="https://gantry.example.com/deployments/D-12">Open in Gantry</a>');
    // One event is the message itself: no list of one.
    expect(email.text).not.toContain('events:');
    expect(email.html).not.toContain('<ul');
  });

  it('escapes what people typed, in every place it lands in the HTML', () => {
    const hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';
    const email = renderEmail(
      message({
        title: `Deploy ${hostile}`,
        subject: `app ${hostile}`,
        lines: [`reason: ${hostile}`],
        items: [
          { subject: `target <b>web-1</b>`, title: `batch & ${hostile}`, at: '2026-11-28T04:00:00.000Z', data: {} },
          { subject: 'target web-2', title: 'batch 2', at: '2026-11-28T04:00:02.000Z', data: {} },
        ],
      }),
    );
    expect(email.html).not.toMatch(/<script|<img|<b>web/);
    expect(email.html).toContain('Deploy &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;');
    expect(email.html).toContain('target &lt;b&gt;web-1&lt;/b&gt;');
    expect(email.html).toContain('<title>[Gantry] Deploy &lt;script&gt;');
    // The plain-text body shows them as typed.
    expect(email.text).toContain(`reason: ${hostile}`);
    expect(email.subject).toBe(`[Gantry] Deploy ${hostile}`);
  });

  it('lists every item of a digest in both bodies', () => {
    const items = ['web-1', 'web-2', 'web-3'].map((host, index) => ({ subject: `target ${host}`, title: `drift on ${host}`, at: `2026-11-28T04:0${index}:00.000Z`, data: {} }));
    const email = renderEmail(message({ type: 'drift.detected', severity: 'warning', title: 'Drift on 3 targets', items, lines: [] }));
    expect(email.text).toContain('3 events:\n- drift on web-1 (target web-1, 2026-11-28T04:00:00.000Z)\n- drift on web-2 (target web-2, 2026-11-28T04:01:00.000Z)\n- drift on web-3 (target web-3, 2026-11-28T04:02:00.000Z)');
    expect(email.html.match(/<li>/g)).toHaveLength(3);
    for (const host of ['web-1', 'web-2', 'web-3']) expect(email.html).toContain(`<li><strong>drift on ${host}</strong> — target ${host}`);
  });

  it('keeps the subject on one line and bounded', () => {
    const email = renderEmail(message({ title: `line one\r\nBcc: victim@example.com\n${'x'.repeat(500)}` }));
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject.startsWith('[Gantry] line one Bcc: victim@example.com x')).toBe(true);
    expect(email.subject.length).toBeLessThanOrEqual(200);
  });

  it('shows a link only when it is a web address', () => {
    for (const link of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'not a url']) {
      const email = renderEmail(message({ link }));
      expect(email.html).not.toContain('<a ');
      expect(email.text).not.toContain('Open in Gantry');
    }
    expect(renderEmail(message({ link: null })).html).not.toContain('<a ');
  });

  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });
});
