import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { request } from './http.js';
import { type RunningExample, runExample, stopAll } from './runExample.js';

interface ChatMessage {
  type: 'welcome' | 'message';
  pid: number;
  text?: string;
}

/** A client with a queue of received messages, so none is missed between awaits. */
async function connect(port: number): Promise<{ socket: WebSocket; next(): Promise<ChatMessage> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
  const queue: ChatMessage[] = [];
  const waiting: ((message: ChatMessage) => void)[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as ChatMessage;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  await once(socket, 'open');
  const next = () =>
    new Promise<ChatMessage>((resolve, reject) => {
      const queued = queue.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => reject(new Error('no message within 10 s')), 10_000);
      waiting.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  return { socket, next };
}

describe('examples/websocket_chat.ts: WebSocket chat with sticky sessions by client address', () => {
  let example: RunningExample;
  let port: number;

  beforeAll(async () => {
    example = runExample('websocket_chat.ts', { PORT: '0', LB_BASE_PORT: '0' });
    port = Number((await example.waitFor(/4 workers behind ws:\/\/localhost:(\d+)\//, 60_000))[1]);
  }, 90_000);

  afterAll(stopAll);

  it('keeps every connection from one address on one worker and broadcasts in its room', async () => {
    const clients = await Promise.all([connect(port), connect(port), connect(port)]);
    const welcomes = await Promise.all(clients.map((c) => c.next()));
    expect(welcomes.every((w) => w.type === 'welcome')).toBe(true);
    const pids = new Set(welcomes.map((w) => w.pid));
    expect(pids.size).toBe(1);

    clients[0]!.socket.send('hello through the balancer');
    const received = await Promise.all(clients.map((c) => c.next()));
    for (const message of received)
      expect(message).toMatchObject({ type: 'message', text: 'hello through the balancer' });

    // Plain HTTP from the same address reaches the same worker too.
    const page = await request(port, '/');
    expect(page.body).toContain(`worker pid ${[...pids][0]}`);

    await Promise.all(
      clients.map((c) => {
        c.socket.close();
        return once(c.socket, 'close');
      }),
    );
  });

  it('stops on SIGTERM', async () => {
    expect(await example.stop()).toBe(0);
  });
});
