import { z } from 'zod';

/**
 * Notification channels as people define them (issue 10). Values that are credentials — a
 * webhook's signing secret, Slack and Teams incoming-webhook URLs (the URL is the credential),
 * an SMTP password — are write-only: sealed with the master key when stored, never answered.
 */
const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http or https URL' }).max(2000);
const emailAddress = z.email({ message: 'expected an email address' }).max(320);

export const webhookChannelSchema = z.strictObject({
  type: z.literal('webhook'),
  url: httpUrl,
  /** HMAC-SHA256 key for the `X-Gantry-Signature` header; without it bodies are not signed. */
  secret: z.string().min(16, 'a signing secret needs at least 16 characters').max(500).optional(),
});

export const chatChannelSchema = z.strictObject({
  type: z.enum(['slack', 'teams']),
  /** The incoming-webhook URL the chat service gave. */
  url: httpUrl,
});

export const emailChannelSchema = z.strictObject({
  type: z.literal('email'),
  smtp: z.strictObject({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).default(587),
    /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    user: z.string().min(1).max(320).optional(),
    password: z.string().min(1).max(500).optional(),
  }),
  from: emailAddress,
  to: z.array(emailAddress).min(1).max(100),
});

export const channelInputSchema = z.discriminatedUnion('type', [webhookChannelSchema, chatChannelSchema, emailChannelSchema]);

export type ChannelInput = z.output<typeof channelInputSchema>;
export type ChannelType = ChannelInput['type'];
export type WebhookChannel = z.output<typeof webhookChannelSchema>;
export type ChatChannel = z.output<typeof chatChannelSchema>;
export type EmailChannel = z.output<typeof emailChannelSchema>;
