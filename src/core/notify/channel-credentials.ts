import type { ChannelInput } from './channel-config.js';

/**
 * A channel definition split into what may be shown and what is a credential (sealed apart,
 * never answered): a webhook's signing secret, a Slack or Teams URL, an SMTP password.
 */
export interface ChannelCredentials {
  secret?: string;
  url?: string;
  password?: string;
}

export function splitCredentials(channel: ChannelInput): { readonly config: Record<string, unknown>; readonly credentials: ChannelCredentials | null } {
  switch (channel.type) {
    case 'webhook': {
      const { secret, ...config } = channel;
      return { config, credentials: secret === undefined ? null : { secret } };
    }
    case 'slack':
    case 'teams': {
      const { url, ...config } = channel;
      return { config, credentials: { url } };
    }
    case 'email': {
      const { password, ...smtp } = channel.smtp;
      return { config: { ...channel, smtp }, credentials: password === undefined ? null : { password } };
    }
  }
}

/** The whole definition again, for sending. */
export function joinCredentials(config: Record<string, unknown>, credentials: ChannelCredentials | null): unknown {
  if (!credentials) return config;
  if (credentials.password !== undefined) return { ...config, smtp: { ...(config.smtp as Record<string, unknown>), password: credentials.password } };
  return { ...config, ...credentials };
}

/** Which credentials a channel has set, by name, for answers that must not carry them. */
export function credentialNames(credentials: ChannelCredentials | null): string[] {
  return credentials ? Object.keys(credentials).sort() : [];
}
