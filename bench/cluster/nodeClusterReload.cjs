// A hand-written node:cluster primary as people write one: N workers sharing PORT through Node's round robin,
// re-forked after a crash, and a rolling reload on SIGHUP (fork a new worker, wait until it listens, then
// disconnect the old one and kill it if it has not exited 5 s later).
const cluster = require('node:cluster');
const path = require('node:path');

const workers = Number(process.env.WORKERS ?? 2);
cluster.setupPrimary({ exec: path.join(__dirname, 'app.cjs') });
const fork = () => new Promise((resolve) => cluster.fork().once('listening', resolve));
cluster.on('exit', (worker) => {
  if (!worker.exitedAfterDisconnect) fork();
});
process.on('SIGHUP', async () => {
  for (const old of Object.values(cluster.workers)) {
    await fork();
    const timer = setTimeout(() => old.kill('SIGKILL'), 5_000);
    old.once('exit', () => clearTimeout(timer));
    old.disconnect();
  }
});
Promise.all(Array.from({ length: workers }, fork)).then(() =>
  console.log(JSON.stringify({ pids: Object.values(cluster.workers).map((w) => w.process.pid) })),
);
