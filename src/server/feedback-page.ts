/**
 * The pages behind a feedback link, for people without a Gantry account: a form (a rating 1-5
 * and a comment), a thank-you page and a page saying why a link cannot be used. Plain HTML with
 * no script and no inline style (the CSP forbids both); every value from the store or the link
 * is escaped.
 */
import type { FastifyReply } from 'fastify';
import { MAX_COMMENT_LENGTH } from '../core/feedback/feedback.js';

/** No script, no style, no frames, and the form may post only back here. */
export const FEEDBACK_PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  // The token is in the URL: never hand it on to another site, never keep the page in a shared cache.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

const RATING_WORDS = ['', 'very poor', 'poor', 'fair', 'good', 'very good'];

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface FeedbackFormView {
  readonly app: string;
  readonly version: string;
  readonly environment: string;
  readonly audience: string;
  readonly expiresAt: string;
}

const subject = (view: Pick<FeedbackFormView, 'app' | 'version' | 'environment'>) => `${view.app} ${view.version} in ${view.environment}`;

export function feedbackFormPage(view: FeedbackFormView): string {
  const radios = [1, 2, 3, 4, 5]
    .map((rating) => `<p><input type="radio" id="rating-${rating}" name="rating" value="${rating}" required> <label for="rating-${rating}">${rating} — ${RATING_WORDS[rating]}</label></p>`)
    .join('\n');
  return page(
    `Feedback on ${subject(view)}`,
    `<h1>How did ${escapeHtml(subject(view))} go?</h1>
<p>This form asks <strong>${escapeHtml(view.audience)}</strong> for feedback on the deployment of ${escapeHtml(subject(view))}. It can be used until ${escapeHtml(view.expiresAt)}.</p>
<form method="post">
<fieldset>
<legend>Your rating (required)</legend>
${radios}
</fieldset>
<p><label for="comment">Comment (optional, at most ${MAX_COMMENT_LENGTH.toLocaleString('en')} characters)</label></p>
<p><textarea id="comment" name="comment" rows="6" cols="60" maxlength="${MAX_COMMENT_LENGTH}"></textarea></p>
<p><button type="submit">Send feedback</button></p>
</form>`,
  );
}

export function feedbackThanksPage(view: Pick<FeedbackFormView, 'app' | 'version' | 'environment'> & { readonly rating: number }): string {
  return page('Thank you for your feedback', `<h1>Thank you</h1>\n<p>Your rating of ${view.rating} for ${escapeHtml(subject(view))} was recorded.</p>`);
}

export function feedbackRefusedPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">${escapeHtml(message)}</p>`);
}

export function sendFeedbackPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(FEEDBACK_PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
}
