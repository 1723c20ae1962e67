import { describe, expect, it } from 'vitest';
import { channelInputSchema } from './channel-config.js';
import { joinCredentials, splitCredentials } from './channel-credentials.js';

describe('channel credentials', () => {
  it('takes the secret, the chat URL and the SMTP password out of what is shown, and puts them back for sending', () => {
    const channels = [
      { type: 'webhook', url: 'https://hooks.example.com/x', secret: 'sixteen-characters!' },
      { type: 'webhook', url: 'https://hooks.example.com/x' },
      { type: 'slack', url: 'https://hooks.slack.com/services/T/B/secret' },
      { type: 'email', smtp: { host: 'mail.internal', port: 587, secure: false, user: 'gantry', password: 'pw' }, from: 'gantry@example.com', to: ['ops@example.com'] },
    ].map((input) => channelInputSchema.parse(input));
    const shown = channels.map((channel) => splitCredentials(channel));
    expect(shown.map((entry) => entry.credentials)).toEqual([{ secret: 'sixteen-characters!' }, null, { url: 'https://hooks.slack.com/services/T/B/secret' }, { password: 'pw' }]);
    for (const entry of shown) expect(JSON.stringify(entry.config)).not.toMatch(/sixteen|services\/T|"pw"/);
    expect(shown.map((entry) => channelInputSchema.parse(joinCredentials(entry.config, entry.credentials)))).toEqual(channels);
  });
});
