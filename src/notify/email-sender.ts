import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import type { EmailChannel } from '../core/notify/channel-config.js';
import type { NotificationMessage } from '../core/notify/message.js';
import { renderEmail } from '../core/notify/render-email.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import type { ChannelSender, DeliveryOutcome } from './channel-sender.js';

/**
 * Email over SMTP (nodemailer), through the outbound policy: the SMTP host is resolved here, each
 * address is checked, and the connection goes to a checked address (the name is kept for TLS
 * certificate checks), so the policy decides where Gantry connects, not a second DNS answer.
 * One connection per message; every stage has a timeout and the whole send a deadline.
 */

const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 20_000;
const SEND_DEADLINE_MS = 60_000;

/** Connection failures after which the next address of the host is worth trying: nothing was said yet. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** Nodemailer failures without an SMTP reply that no retry can cure. */
const PERMANENT = new Set(['ECONFIG', 'EENVELOPE', 'EMESSAGE', 'EAUTH', 'ENOAUTH']);

const emailAddress = z.email();

interface SmtpFailure {
  readonly message: string;
  readonly code?: string;
  readonly originalCode?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly command?: string;
}

export function createEmailSender(channel: EmailChannel, outbound: OutboundPolicy): ChannelSender {
  const { host, port } = channel.smtp;
  const server = `SMTP server ${host}:${port}`;
  const password = channel.smtp.password;

  /** Server replies and library messages can quote what was sent: never let the password through. */
  const scrub = (text: string): string => {
    let clean = text.replace(/[\r\n]+/g, ' ').trim();
    if (password !== undefined) {
      for (const form of [password, Buffer.from(password).toString('base64')]) clean = clean.split(form).join('***');
    }
    return clean.length > 300 ? `${clean.slice(0, 299)}…` : clean;
  };

  const failed = (error: string, retryable: boolean, statusCode: number | null = null): DeliveryOutcome => ({ delivered: false, statusCode, error: scrub(error), retryable });

  async function allowedAddresses(signal: AbortSignal): Promise<string[] | DeliveryOutcome> {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    let addresses: string[];
    if (isIP(bare) !== 0) {
      addresses = [bare];
    } else {
      try {
        const answers = await abortable(lookup(bare, { all: true }), signal);
        addresses = answers.map((answer) => answer.address);
      } catch (error) {
        if (signal.aborted) throw error;
        return failed(`cannot resolve ${server}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, true);
      }
    }
    const refusals = addresses.map((address) => outbound.refusal({ host: bare, address, port }));
    const allowed = addresses.filter((_, index) => refusals[index] === undefined);
    if (allowed.length === 0) return failed(`refusing to connect to ${server}: ${refusals[0] ?? 'it has no address'}`, false);
    return allowed;
  }

  async function sendTo(address: string, message: NotificationMessage, signal: AbortSignal) {
    const rendered = renderEmail(message);
    const named = isIP(host.replace(/^\[(.*)\]$/, '$1')) === 0;
    const transport = createTransport({
      host: address,
      port,
      secure: channel.smtp.secure,
      // The address was checked; the name is what the server's certificate must match.
      ...(named ? { servername: host, tls: { servername: host } } : {}),
      auth: channel.smtp.user === undefined ? undefined : { user: channel.smtp.user, pass: password },
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      greetingTimeout: GREETING_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
      logger: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    try {
      return await transport.sendMail({
        from: channel.from,
        to: [...channel.to],
        // A stakeholder notice's audience: blind copies, so their addresses are not shown to each other.
        bcc: extraRecipients(channel.to, message.recipients ?? []),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        headers: { 'X-Gantry-Delivery': message.id },
        signal,
      });
    } finally {
      transport.close();
    }
  }

  return {
    async send(message, callerSignal) {
      const deadline = AbortSignal.timeout(SEND_DEADLINE_MS);
      const signal = AbortSignal.any([callerSignal, deadline]);
      try {
        const addresses = await allowedAddresses(signal);
        if (!Array.isArray(addresses)) return addresses;
        for (const [index, address] of addresses.entries()) {
          try {
            const info = await sendTo(address, message, signal);
            return { delivered: true, statusCode: replyCode(info.response) ?? 250, error: null, retryable: false };
          } catch (error) {
            const failure = error as SmtpFailure;
            const unreachable = failure.command === 'CONN' && UNREACHABLE.has(failure.originalCode ?? '');
            if (!unreachable || index === addresses.length - 1 || signal.aborted) throw error;
          }
        }
        throw new Error('no address to try');
      } catch (error) {
        if (callerSignal.aborted) return failed(`sending to ${server} was cancelled`, true);
        if (deadline.aborted) return failed(`${server} did not take the message within ${SEND_DEADLINE_MS / 1000} s`, true);
        return describeFailure(error as SmtpFailure);
      }
    },
  };

  function describeFailure(failure: SmtpFailure): DeliveryOutcome {
    const code = failure.responseCode;
    if (code !== undefined) {
      // 4xx: the server says try later (greylisting, mailbox busy); 5xx: it will never take it.
      const reply = failure.response ?? String(code);
      const what = failure.code === 'EAUTH' ? 'refused the login' : 'refused the message';
      return failed(`${server} ${what}: ${reply}`, code < 500, code);
    }
    // Settings or a message the server can never take: waiting does not change them.
    if (failure.code !== undefined && PERMANENT.has(failure.code)) return failed(`${server}: ${failure.message}`, false);
    return failed(`cannot reach ${server}: ${failure.originalCode !== undefined && !failure.message.includes(failure.originalCode) ? `${failure.originalCode} ` : ''}${failure.message}`, true);
  }
}

/** The message's own recipients that the channel does not already send to, valid addresses only. */
function extraRecipients(channelTo: readonly string[], recipients: readonly string[]): string[] {
  const seen = new Set(channelTo.map((address) => address.toLowerCase()));
  const extra: string[] = [];
  for (const address of recipients) {
    // Addresses come from people's contact lists; a malformed one is skipped rather than sinking the rest.
    if (!emailAddress.safeParse(address).success || seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    extra.push(address);
  }
  return extra;
}

/** "250 2.0.0 Ok: queued as 12345" → 250. */
function replyCode(response: string | undefined): number | undefined {
  const match = /^(\d{3})\b/.exec(response ?? '');
  return match ? Number(match[1]) : undefined;
}

/** dns.lookup cannot be cancelled; the send stops waiting for it instead. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
