import type { FeedMessage } from '../wire.js';
import { socketUrl } from './api.js';

/** Reconnects after this, doubling up to the maximum: the server may restart (`mcp run --ui` ends). */
const RECONNECT_MS = 500;
const MAX_RECONNECT_MS = 8_000;

/**
 * The page's one live connection: the server pushes what changed (no polling from here).
 * After a reconnect the page reloads what it shows, since pushes may have been missed.
 */
export class Feed {
  private ws: WebSocket | null = null;
  private delay = RECONNECT_MS;
  private watching: string | null = null;
  connected = false;

  constructor(
    private readonly onMessage: (message: FeedMessage) => void,
    private readonly onConnection: (connected: boolean, reconnected: boolean) => void,
  ) {
    this.open(false);
  }

  watch(runId: string | null): void {
    this.watching = runId;
    this.sendWatch();
  }

  private sendWatch(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ op: 'watch', runId: this.watching }));
  }

  private open(again: boolean): void {
    const ws = new WebSocket(socketUrl('/ws'));
    this.ws = ws;
    ws.onopen = () => {
      this.delay = RECONNECT_MS;
      this.connected = true;
      this.sendWatch();
      this.onConnection(true, again);
    };
    ws.onmessage = (event) => this.onMessage(JSON.parse(String(event.data)) as FeedMessage);
    ws.onclose = () => {
      if (this.connected) this.onConnection(false, again);
      this.connected = false;
      setTimeout(() => this.open(true), this.delay);
      this.delay = Math.min(this.delay * 2, MAX_RECONNECT_MS);
    };
  }
}
