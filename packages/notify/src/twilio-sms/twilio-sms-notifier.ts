import twilio from 'twilio';
import type { DeliveryResult, Notifier, Outbound, Reconciled } from '../port.js';
import { isFailedStatus, translateTwilioError } from './twilio-errors.js';

export interface TwilioSmsOptions {
  /** `AC…`: the account the messages are sent from. */
  accountSid: string;
  /** From the environment (BULWARK_TWILIO_AUTH_TOKEN), never from the config file. */
  authToken: string;
  /** The sending number (E.164); or use a messaging service. */
  from?: string;
  /** `MG…`: a messaging service that picks the sending number. */
  messagingServiceSid?: string;
  timeoutMs?: number;
  /**
   * Base URL of a Twilio-compatible API to talk to instead of `https://api.twilio.com` (a proxy
   * in front of Twilio, or a stand-in in tests). The SDK builds every request as for Twilio; only
   * the scheme, host and port are replaced.
   */
  apiBaseUrl?: string;
  /** How long before an attempt a message found at Twilio still counts as that attempt's. */
  reconcileSlackMs?: number;
}

type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];

/** The SDK's own HTTP client, sending to another base URL. */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly base: URL,
    options: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(options);
  }

  override request<TData>(options: RequestOptions & { data?: TData }) {
    const target = new URL(options.uri);
    target.protocol = this.base.protocol;
    target.host = this.base.host;
    return super.request<TData>({ ...options, uri: target.href });
  }
}

/**
 * SMS through Twilio's Messages API with the twilio SDK, from a number or a messaging service.
 *
 * Never twice: the commit is recorded right before the API call; an attempt whose outcome was not
 * recorded (a crash, a 5xx, a connection broken mid-request) is reconciled by listing the messages
 * sent to the recipient and looking for this exact body, created no earlier than the attempt.
 */
export class TwilioSmsNotifier implements Notifier {
  readonly channel = 'sms' as const;
  private readonly client: twilio.Twilio;

  constructor(private readonly options: TwilioSmsOptions) {
    if (!/^AC[0-9a-fA-F]{32}$/.test(options.accountSid)) {
      throw new Error('Twilio account SID must be AC followed by 32 hex digits');
    }
    if (!options.authToken) throw new Error('Twilio auth token missing (set BULWARK_TWILIO_AUTH_TOKEN)');
    if ((options.from === undefined) === (options.messagingServiceSid === undefined)) {
      throw new Error('Twilio needs exactly one of a from number and a messaging service SID');
    }
    const timeout = options.timeoutMs ?? 15_000;
    const clientOptions = { timeout, autoRetry: false, keepAlive: false };
    this.client = twilio(options.accountSid, options.authToken, {
      ...clientOptions,
      // Only what is passed here: never TWILIO_* variables from the environment.
      env: {},
      ...(options.apiBaseUrl
        ? { httpClient: new RebasedRequestClient(new URL(options.apiBaseUrl), clientOptions) }
        : {}),
    });
  }

  async send(message: Outbound): Promise<DeliveryResult> {
    const sender = this.options.messagingServiceSid
      ? { messagingServiceSid: this.options.messagingServiceSid }
      : { from: this.options.from as string };
    try {
      await message.commit();
    } catch (error) {
      return { ok: false, retryable: true, error: `cannot record the attempt: ${(error as Error).message}` };
    }
    try {
      const created = await this.client.messages.create({
        to: message.address,
        body: message.content.text,
        ...sender,
      });
      if (isFailedStatus(created.status)) {
        return {
          ok: false,
          retryable: false,
          error: `Twilio ${created.status} ${created.errorCode ?? ''}: ${created.errorMessage ?? ''}`.trim(),
        };
      }
      return { ok: true, providerId: created.sid };
    } catch (error) {
      return translateTwilioError(error);
    }
  }

  async reconcile(message: Outbound, attemptAtMs: number): Promise<Reconciled> {
    const since = attemptAtMs - (this.options.reconcileSlackMs ?? 600_000);
    try {
      const recent = await this.client.messages.list({
        to: message.address,
        ...(this.options.from ? { from: this.options.from } : {}),
        pageSize: 50,
        limit: 50,
      });
      const found = recent.find(
        (sent) => sent.body === message.content.text && (sent.dateCreated?.getTime() ?? 0) >= since,
      );
      if (!found) return { state: 'not_delivered' };
      return {
        state: 'delivered',
        providerId: found.sid,
        note: `found at Twilio as ${found.sid} (${found.status})`,
      };
    } catch (error) {
      return { state: 'unknown', error: translateTwilioError(error).error };
    }
  }

  async close(): Promise<void> {}
}
