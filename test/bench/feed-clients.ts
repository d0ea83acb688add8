// Live-feed clients in a process of their own: `node feed-clients.ts PORT N`. They read and count,
// nothing more (real wallboards are on other machines); one JSON line once all are connected, one
// with the totals on SIGTERM.
import http from 'node:http';

const [port, n] = process.argv.slice(2).map(Number) as [number, number];
let connected = 0;
let bytes = 0;
const tails: string[] = [];
for (let i = 0; i < n; i++) {
  http.get({ host: '127.0.0.1', port, path: '/api/events/stream', agent: false }, (res) => {
    res.setEncoding('utf8');
    let said = false;
    res.on('data', (chunk: string) => {
      bytes += chunk.length;
      if (!said && chunk.includes(': connected')) {
        said = true;
        if (++connected === n) process.stdout.write(`${JSON.stringify({ connected })}\n`);
      }
      tails[i] = (tails[i] ?? '') .concat(chunk).slice(-400);
    });
  });
}
process.on('SIGTERM', () => {
  const lastIds = tails.map((t) => Number([...t.matchAll(/^id: (\d+)$/gm)].at(-1)?.[1] ?? 0));
  process.stdout.write(`${JSON.stringify({ done: true, bytes, minLastId: Math.min(...lastIds), maxLastId: Math.max(...lastIds) })}\n`);
  process.exit(0);
});
