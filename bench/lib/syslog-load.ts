/**
 * Load generator: sends `count` RFC 3164 sshd lines, octet-counted (RFC 6587), over `connections`
 * TCP connections to host:port, as fast as the server takes them. Run as its own process, so the
 * sender does not share an event loop with what it measures.
 *
 *   node bench/dist/lib/syslog-load.js HOST PORT COUNT CONNECTIONS
 */
import { connect } from 'node:net';
import { syntheticSshdLog } from './synthetic-sshd.js';

const [host = '127.0.0.1', portText = '5514', countText = '100000', connectionsText = '1'] =
  process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const connections = Number(connectionsText);

const lines = syntheticSshdLog(Math.min(count, 200_000));
const frames = lines.map((line) => {
  const message = `<38>${line}`;
  return `${Buffer.byteLength(message)} ${message}`;
});

async function send(share: number, offset: number): Promise<void> {
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let sent = 0;
  while (sent < share) {
    let chunk = '';
    for (let i = 0; i < 2000 && sent < share; i += 1, sent += 1) {
      chunk += frames[(offset + sent) % frames.length] as string;
    }
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
}

const share = Math.ceil(count / connections);
await Promise.all(
  Array.from({ length: connections }, (_, i) => send(Math.min(share, count - i * share), i * share)),
);
