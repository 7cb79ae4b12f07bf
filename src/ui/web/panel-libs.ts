import { Terminal } from '@xterm/xterm';
import { html } from 'diff2html';

/**
 * The task panel's two large libraries, bundled apart (panel.js) and loaded when a panel
 * opens: the run page, which 1,000 tasks must draw within a second, does not parse them.
 */
export interface PanelLibs {
  Terminal: typeof Terminal;
  diffHtml: typeof html;
}

(window as unknown as { mcpPanelLibs: PanelLibs }).mcpPanelLibs = { Terminal, diffHtml: html };
