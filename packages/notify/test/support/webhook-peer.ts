import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DELIVERY_HEADER, SIGNATURE_HEADER, verifyWebhookSignature } from '@bulwark/notify';

export interface WebhookRequest {
  delivery: string | undefined;
  signatureOk: boolean;
  signatureProblem: string | null;
  body: unknown;
}

/** A webhook receiver on loopback that verifies the HMAC signature of every request. */
export class WebhookPeer {
  readonly requests: WebhookRequest[] = [];
  /** Statuses for the next requests; 204 afterwards. */
  readonly statuses: number[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(secret: string, now: () => number = Date.now): Promise<WebhookPeer> {
    let peer: WebhookPeer | undefined;
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks);
        const header = request.headers[SIGNATURE_HEADER];
        const check = verifyWebhookSignature(
          raw,
          typeof header === 'string' ? header : undefined,
          secret,
          now(),
        );
        const delivery = request.headers[DELIVERY_HEADER];
        peer?.requests.push({
          delivery: typeof delivery === 'string' ? delivery : undefined,
          signatureOk: check.ok,
          signatureProblem: check.ok ? null : check.reason,
          body: JSON.parse(raw.toString('utf8')),
        });
        response.writeHead(peer?.statuses.shift() ?? 204);
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    peer = new WebhookPeer(server, `http://127.0.0.1:${port}/hooks/bulwark`);
    return peer;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
