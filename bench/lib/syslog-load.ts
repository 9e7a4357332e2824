/**
 * Load generator: sends `count` RFC 3164 sshd lines, octet-counted (RFC 6587), over `connections`
 * TCP connections to host:port, as fast as the server takes them. Run as its own process, so the
 * sender does not share an event loop with what it measures.
 *
 *   node bench/dist/lib/syslog-load.js HOST PORT COUNT CONNECTIONS
 *
 * Every byte to send is made before the first connection opens, so that the CPU this process uses
 * while the benchmark runs is the sending alone: on two cores, what the generator spends the
 * service cannot use.
 */
import { connect } from 'node:net';
import { syntheticSshdLog } from './synthetic-sshd.js';

const [host = '127.0.0.1', portText = '5514', countText = '100000', connectionsText = '1'] =
  process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const connections = Number(connectionsText);
/** Frames per write: about 200 KiB. */
const FRAMES_PER_CHUNK = 2000;

const lines = syntheticSshdLog(Math.min(count, 200_000));
const frames = lines.map((line) => {
  const message = `<38>${line}`;
  return `${Buffer.byteLength(message)} ${message}`;
});

/** The writes of one connection: `share` frames from `offset` on, in chunks. */
function chunks(share: number, offset: number): Buffer[] {
  const out: Buffer[] = [];
  for (let sent = 0; sent < share; ) {
    let chunk = '';
    for (let i = 0; i < FRAMES_PER_CHUNK && sent < share; i += 1, sent += 1) {
      chunk += frames[(offset + sent) % frames.length] as string;
    }
    out.push(Buffer.from(chunk));
  }
  return out;
}

async function send(writes: Buffer[]): Promise<void> {
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  for (const chunk of writes) {
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
}

const share = Math.ceil(count / connections);
const plans = Array.from({ length: connections }, (_, i) =>
  chunks(Math.max(0, Math.min(share, count - i * share)), i * share),
);
// Told to the benchmark, which counts this process's CPU from here on.
process.send?.('ready');
await Promise.all(plans.map(send));
// The IPC channel would keep this process alive.
process.disconnect?.();
