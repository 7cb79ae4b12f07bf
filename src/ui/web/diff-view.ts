import type { DiffReply } from '../wire.js';
import { get } from './api.js';
import { h } from './dom.js';
import { panelLibs } from './load-panel-libs.js';

/** A diff from the server rendered by diff2html, with what it is between. */
export function diffView(path: string): HTMLElement {
  const box = h('div', { class: 'diff' }, h('p', { class: 'muted' }, 'loading the diff…'));
  const load = async (): Promise<void> => {
    let reply: DiffReply;
    let diffHtml: Awaited<ReturnType<typeof panelLibs>>['diffHtml'];
    try {
      [reply, { diffHtml }] = await Promise.all([get<DiffReply>(path), panelLibs()]);
    } catch (error) {
      box.replaceChildren(h('p', { class: 'bad' }, (error as Error).message));
      return;
    }
    const rendered = h('div', { class: 'diff-body' });
    // diff2html escapes the diff's text itself: file contents never become markup.
    if (reply.diff) rendered.innerHTML = diffHtml(reply.diff, { drawFileList: true, matching: 'lines', outputFormat: 'line-by-line' });
    box.replaceChildren(
      h('div', { class: 'diff-head' }, h('span', { class: 'muted' }, reply.between), reply.truncated ? h('span', { class: 'bad' }, ' (cut: too large to show whole)') : null, h('button', { type: 'button', onclick: () => void load() }, 'Refresh')),
      reply.note ? h('p', { class: 'muted diff-note' }, reply.note) : '',
      rendered,
    );
  };
  void load();
  return box;
}
