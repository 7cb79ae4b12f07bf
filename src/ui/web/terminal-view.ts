import type { Terminal } from '@xterm/xterm';
import { socketUrl } from './api.js';
import { h } from './dom.js';
import { panelLibs } from './load-panel-libs.js';

/** The size used for a task with no live PTY (its log replayed): the PTY's default. */
const HISTORY_COLS = 120;
const HISTORY_ROWS = 30;

type Notice = { type: 'attached'; cols: number | null; rows: number | null } | { type: 'history'; why: string } | { type: 'screen' } | { type: 'notice'; message: string } | { type: 'ended' };

/**
 * A task's terminal in the page, fed like `mcp attach`: the supervisor's current screen,
 * then the live stream. Read-only until the user clicks "Type": only then do keys go to
 * the task (nobody types into an agent's session by a stray keypress).
 */
export class TerminalView {
  readonly element: HTMLElement;
  private term: Terminal | null = null;
  private disposed = false;
  private readonly status = h('span', { class: 'term-status' }, 'connecting…');
  private readonly typeButton = h('button', { type: 'button', class: 'term-type', disabled: true }, 'Type into it');
  private ws: WebSocket | null = null;
  private typing = false;
  private live = false;

  constructor(private readonly taskId: string) {
    const screen = h('div', { class: 'term-screen', 'data-task': taskId });
    this.element = h('div', { class: 'term' }, h('div', { class: 'term-bar' }, this.status, this.typeButton), h('div', { class: 'term-scroll' }, screen));
    this.typeButton.addEventListener('click', () => this.setTyping(!this.typing));
    void panelLibs().then(
      ({ Terminal }) => {
        if (this.disposed) return;
        const term = new Terminal({ cols: HISTORY_COLS, rows: HISTORY_ROWS, fontSize: 12, scrollback: 5000, disableStdin: true, convertEol: false, cursorBlink: false, theme: { background: '#11151c' } });
        this.term = term;
        term.open(screen);
        term.onData((data) => {
          if (this.typing && this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'input', data }));
        });
        this.connect(term);
      },
      (error: Error) => (this.status.textContent = error.message),
    );
  }

  /** What the terminal shows, as text (for tests and copy). */
  text(): string {
    if (!this.term) return '';
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n');
  }

  private setTyping(on: boolean): void {
    this.typing = on && this.live;
    this.typeButton.textContent = this.typing ? 'Stop typing' : 'Type into it';
    this.element.classList.toggle('typing', this.typing);
    if (!this.term) return;
    this.term.options.disableStdin = !this.typing;
    if (this.typing) this.term.focus();
    else this.term.blur();
  }

  private connect(term: Terminal): void {
    const ws = new WebSocket(socketUrl(`/ws/term?task=${encodeURIComponent(this.taskId)}`));
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') {
        term.write(new Uint8Array(message.data as ArrayBuffer));
        return;
      }
      const notice = JSON.parse(message.data) as Notice;
      if (notice.type === 'attached') {
        this.live = true;
        if (notice.cols && notice.rows) term.resize(notice.cols, notice.rows);
        this.status.textContent = 'live';
        this.typeButton.disabled = false;
      } else if (notice.type === 'screen') {
        term.reset();
      } else if (notice.type === 'history') {
        this.status.textContent = notice.why;
      } else if (notice.type === 'notice') {
        this.status.textContent = notice.message;
      } else if (notice.type === 'ended') {
        this.ended();
      }
    };
    ws.onclose = () => this.ended();
  }

  private ended(): void {
    if (this.live) this.status.textContent = 'ended';
    this.live = false;
    this.setTyping(false);
    this.typeButton.disabled = true;
  }

  dispose(): void {
    this.disposed = true;
    this.ws?.close();
    this.term?.dispose();
  }
}
