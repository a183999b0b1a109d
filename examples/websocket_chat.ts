// A WebSocket chat in a cluster of 4 behind the load balancer, with sticky sessions by client address (ring hash):
// every connection from one address lands on the same worker, so its room and its HTTP requests stay together.
// Run: npx tsx examples/websocket_chat.ts, then open http://localhost:3000/ in two tabs.
// PORT and LB_BASE_PORT override 3000 and 8080.
import http from 'node:http';
import { ClusterManager, LoadBalancingStrategy } from '@lb/all';
import { WebSocket, WebSocketServer } from 'ws';

const page = (pid: number) => `<!doctype html><meta charset="utf-8"><title>chat</title>
<p>worker pid ${pid}</p><form><input name="text" autofocus><button>send</button></form><ul></ul>
<script>
  const ws = new WebSocket(location.href.replace(/^http/, 'ws'));
  ws.onmessage = (e) => document.querySelector('ul').append(Object.assign(document.createElement('li'), { textContent: e.data }));
  document.querySelector('form').onsubmit = (e) => { e.preventDefault(); ws.send(e.target.text.value); e.target.reset(); };
</script>`;

if (ClusterManager.isWorker) {
  // A worker: one HTTP server for the page and the WebSocket upgrade. Each worker has its own room; with sticky
  // sessions that is enough for one address, and a shared room across workers would need a pub/sub service.
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(page(process.pid));
  });
  const room = new WebSocketServer({ server });
  room.on('connection', (socket) => {
    socket.send(JSON.stringify({ type: 'welcome', pid: process.pid, worker: ClusterManager.processId }));
    socket.on('message', (data) => {
      const message = JSON.stringify({ type: 'message', pid: process.pid, text: data.toString() });
      for (const client of room.clients) if (client.readyState === WebSocket.OPEN) client.send(message);
    });
  });
  server.listen(ClusterManager.workerPort, '127.0.0.1');
} else {
  const cluster = new ClusterManager({
    processes: 4,
    basePort: Number(process.env.LB_BASE_PORT ?? 8080),
    enableLoadBalancer: true,
    loadBalancerPort: Number(process.env.PORT ?? 3000),
    // Ring hash keys on the client address by default: the same client always reaches the same worker.
    strategy: LoadBalancingStrategy.ringHash,
  });
  await cluster.start();
  console.log(`chat: 4 workers behind ws://localhost:${cluster.address?.port}/`);
}
