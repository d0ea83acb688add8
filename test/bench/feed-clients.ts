// Live-feed clients in a process of their own: `node feed-clients.ts PORT N`. They count bytes and
// keep their last two chunks, nothing more (real wallboards are on other machines: this process
// should cost the machine as little as it can); one JSON line once all are connected, one with the
// totals on SIGTERM.
import http from 'node:http';

const [port, n] = process.argv.slice(2).map(Number) as [number, number];
let connected = 0;
let bytes = 0;
const last: Buffer[][] = Array.from({ length: n }, () => []);
for (let i = 0; i < n; i++) {
  http.get({ host: '127.0.0.1', port, path: '/api/events/stream', agent: false }, (res) => {
    let said = false;
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      const mine = last[i]!;
      mine.push(chunk);
      if (mine.length > 2) mine.shift();
      if (!said && Buffer.concat(mine).includes(': connected')) {
        said = true;
        if (++connected === n) process.stdout.write(`${JSON.stringify({ connected })}\n`);
      }
    });
  });
}
process.on('SIGTERM', () => {
  const lastIds = last.map((chunks) => Number([...Buffer.concat(chunks).toString('utf8').matchAll(/^id: (\d+)$/gm)].at(-1)?.[1] ?? 0));
  process.stdout.write(`${JSON.stringify({ done: true, bytes, minLastId: Math.min(...lastIds), maxLastId: Math.max(...lastIds) })}\n`);
  process.exit(0);
});
