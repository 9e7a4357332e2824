import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TwilioRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  form: Record<string, string>;
  query: Record<string, string>;
}

export interface TwilioMessage {
  sid: string;
  to: string;
  from: string | null;
  messaging_service_sid: string | null;
  body: string;
  date_created: string;
  /** When it was created, by the peer's clock, in ms. */
  created_ms: number;
}

/**
 * A stand-in for Twilio's Messages API on loopback, the only stand-in in these tests: the real
 * twilio SDK talks to it. It checks what Twilio checks first (path, Basic auth, form fields),
 * keeps the messages it accepts, lists them like Twilio does (newest first, filtered by To and
 * From), and answers the next creates with scripted statuses when told to.
 */
export class TwilioPeer {
  readonly requests: TwilioRequest[] = [];
  readonly messages: TwilioMessage[] = [];
  /** Statuses for the next creates (500, 429, ...): the message is then not created. */
  readonly failNext: number[] = [];
  /** When set, the next create is accepted and then the connection is cut before the answer. */
  dropNextAnswer = false;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly accountSid: string,
    private readonly authToken: string,
    private readonly now: () => number,
  ) {}

  /** `now` stamps `date_created` (tests that move the clock hand theirs in). */
  static async start(
    accountSid: string,
    authToken: string,
    options: { port?: number; now?: () => number } = {},
  ): Promise<TwilioPeer> {
    const port = options.port ?? 0;
    let peer: TwilioPeer | undefined;
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => peer?.handle(request, Buffer.concat(chunks).toString('utf8'), response));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const { port: bound } = server.address() as AddressInfo;
    peer = new TwilioPeer(
      server,
      `http://127.0.0.1:${bound}`,
      accountSid,
      authToken,
      options.now ?? Date.now,
    );
    return peer;
  }

  /** Creates that were accepted (messages Twilio would send). */
  get creates(): TwilioRequest[] {
    return this.requests.filter((request) => request.method === 'POST');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: http.IncomingMessage, body: string, response: http.ServerResponse): void {
    const answer = this.answer(request, body, response);
    if (answer) {
      response.writeHead(answer[0], { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer[1]));
    }
  }

  /** The status and JSON body to answer with, or null when the answer is already dealt with. */
  private answer(
    request: http.IncomingMessage,
    body: string,
    response: http.ServerResponse,
  ): [number, unknown] | null {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const recorded: TwilioRequest = {
      method: request.method ?? '',
      path: url.pathname,
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      form: Object.fromEntries(new URLSearchParams(body)),
      query: Object.fromEntries(url.searchParams),
    };
    this.requests.push(recorded);
    const json = (status: number, value: unknown): [number, unknown] => [status, value];
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (recorded.authorization !== expected) {
      return json(401, {
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      });
    }
    if (url.pathname !== `/2010-04-01/Accounts/${this.accountSid}/Messages.json`) {
      return json(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    }
    if (request.method === 'GET') return this.list(recorded);
    if (request.method !== 'POST')
      return json(405, { code: 20004, message: 'Method not allowed', status: 405 });
    const failure = this.failNext.shift();
    if (failure !== undefined) {
      return json(failure, {
        code: failure === 429 ? 20429 : 20500,
        message: `scripted ${failure}`,
        status: failure,
      });
    }
    const { To: to, From: from, MessagingServiceSid: service, Body: text } = recorded.form;
    if (!recorded.contentType?.startsWith('application/x-www-form-urlencoded')) {
      return json(400, { code: 20001, message: 'form encoding expected', status: 400 });
    }
    if (!to || !text || (!from && !service)) {
      return json(400, {
        code: 21604,
        message: "A 'To', 'Body' and 'From' or 'MessagingServiceSid' are required",
        status: 400,
      });
    }
    if (!/^\+[1-9]\d{6,14}$/.test(to) || to === '+15005550001') {
      return json(400, {
        code: 21211,
        message: `The 'To' number ${to} is not a valid phone number.`,
        status: 400,
      });
    }
    const message: TwilioMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      to,
      from: from ?? null,
      messaging_service_sid: service ?? null,
      body: text,
      date_created: new Date(this.now()).toUTCString().replace('GMT', '+0000'),
      created_ms: this.now(),
    };
    this.messages.push(message);
    if (this.dropNextAnswer) {
      this.dropNextAnswer = false;
      response.socket?.destroy();
      return null;
    }
    return json(201, this.resource(message));
  }

  private list(recorded: TwilioRequest): [number, unknown] {
    const matching = [...this.messages]
      .reverse()
      .filter((message) => !recorded.query.To || message.to === recorded.query.To)
      .filter((message) => !recorded.query.From || message.from === recorded.query.From);
    const size = Number(recorded.query.PageSize ?? 50);
    const uri = `/2010-04-01/Accounts/${this.accountSid}/Messages.json`;
    return [
      200,
      {
        messages: matching.slice(0, size).map((message) => this.resource(message)),
        end: Math.min(size, matching.length) - 1,
        first_page_uri: `${uri}?PageSize=${size}&Page=0`,
        next_page_uri: null,
        page: 0,
        page_size: size,
        previous_page_uri: null,
        start: 0,
        uri: `${uri}?PageSize=${size}&Page=0`,
      },
    ];
  }

  private resource(message: TwilioMessage) {
    return {
      account_sid: this.accountSid,
      api_version: '2010-04-01',
      body: message.body,
      date_created: message.date_created,
      date_sent: null,
      date_updated: message.date_created,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: message.from,
      messaging_service_sid: message.messaging_service_sid,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid: message.sid,
      status: 'queued',
      subresource_uris: {},
      to: message.to,
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${message.sid}.json`,
    };
  }
}
