import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { DeliveryResult, Notifier, Outbound, Reconciled } from '../port.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.js';

export interface WebhookOptions {
  /** Shared secret for the HMAC signature; from the environment (BULWARK_WEBHOOK_SECRET). */
  secret: string;
  timeoutMs?: number;
  /** Wall clock for the signature timestamp. */
  now: () => number;
  /** TLS settings for https receivers with a private CA. */
  ca?: string | Buffer;
}

const MAX_ERROR_BODY = 300;

/** Resolves once the request's socket is connected (TLS done for https). */
function connected(request: ClientRequest, secure: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    request.once('error', reject);
    request.once('socket', (socket) => {
      const ready = () => {
        request.off('error', reject);
        resolve();
      };
      if (!socket.connecting && (!secure || (socket as { encrypted?: boolean }).encrypted)) ready();
      else socket.once(secure ? 'secureConnect' : 'connect', ready);
    });
  });
}

function responseOf(request: ClientRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_ERROR_BODY) chunks.push(chunk);
        size += chunk.length;
      });
      response.once('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.once('error', reject);
    });
  });
}

/**
 * JSON POSTed to the recipient URL, signed: `Bulwark-Signature: t=<unix seconds>,v1=<hex>` where
 * the hex is HMAC-SHA256 of `<t>.<body>` with the shared secret (`verifyWebhookSignature` is the
 * receiver's side). `Bulwark-Delivery` carries the notification id, the same on every attempt.
 *
 * 2xx is delivered; 408, 429, 5xx and connection failures are retried; any other answer is
 * permanent. Never twice across a crash: the body goes out whole but its last byte, the commit is
 * recorded, then the last byte; a receiver acts on a request only once its body is complete.
 */
export class WebhookNotifier implements Notifier {
  readonly channel = 'webhook' as const;
  private readonly requests = new Set<ClientRequest>();

  constructor(private readonly options: WebhookOptions) {
    if (!options.secret) throw new Error('webhook secret missing (set BULWARK_WEBHOOK_SECRET)');
  }

  async send(message: Outbound): Promise<DeliveryResult> {
    let url: URL;
    try {
      url = new URL(message.address);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      return { ok: false, retryable: false, error: `not a webhook URL: ${message.address}` };
    }
    const body = Buffer.from(JSON.stringify(message.content.json ?? message.content), 'utf8');
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(url, {
      method: 'POST',
      agent: false,
      timeout: this.options.timeoutMs ?? 10_000,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        'user-agent': 'bulwark-webhook/1',
        [DELIVERY_HEADER]: message.id,
        [SIGNATURE_HEADER]: signatureHeader(body, this.options.secret, this.options.now()),
      },
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    });
    this.requests.add(request);
    request.once('timeout', () =>
      request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    const answer = responseOf(request);
    answer.catch(() => undefined);
    try {
      request.write(body.subarray(0, body.length - 1));
      await connected(request, secure);
      try {
        await message.commit();
      } catch (error) {
        request.destroy();
        return {
          ok: false,
          retryable: true,
          error: `cannot record the attempt: ${(error as Error).message}`,
        };
      }
      request.end(body.subarray(body.length - 1));
      const { status, body: text } = await answer;
      if (status >= 200 && status < 300) return { ok: true };
      const detail = `webhook answered ${status}${text ? `: ${text.slice(0, MAX_ERROR_BODY)}` : ''}`;
      return { ok: false, retryable: status === 408 || status === 429 || status >= 500, error: detail };
    } catch (error) {
      const code = (error as { code?: string }).code;
      return {
        ok: false,
        retryable: true,
        error: `webhook request failed${code ? ` (${code})` : ''}: ${(error as Error).message}`,
      };
    } finally {
      this.requests.delete(request);
    }
  }

  /** A committed attempt had sent everything but the last byte, written right after the commit. */
  async reconcile(): Promise<Reconciled> {
    return { state: 'delivered', note: 'assumed delivered: the whole request had been sent before the stop' };
  }

  async close(): Promise<void> {
    for (const request of this.requests) request.destroy();
    this.requests.clear();
  }
}
