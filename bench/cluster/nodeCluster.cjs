// A hand-written node:cluster primary: N workers sharing PORT through Node's round robin, re-forked on exit.
const cluster = require('node:cluster');
const path = require('node:path');

const workers = Number(process.env.WORKERS ?? 2);
cluster.setupPrimary({ exec: path.join(__dirname, 'app.cjs') });
let ready = 0;
const fork = () =>
  cluster.fork().once('listening', () => {
    ready += 1;
    if (ready === workers)
      console.log(JSON.stringify({ pids: Object.values(cluster.workers).map((w) => w.process.pid) }));
  });
for (let i = 0; i < workers; i++) fork();
cluster.on('exit', () => fork());
