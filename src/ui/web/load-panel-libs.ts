import { TOKEN } from './api.js';
import type { PanelLibs } from './panel-libs.js';

let loading: Promise<PanelLibs> | null = null;

/** panel.js, once: a script of this server, with the token like every request. */
export function panelLibs(): Promise<PanelLibs> {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = `/assets/panel.js?token=${encodeURIComponent(TOKEN)}`;
    script.onload = () => resolve((window as unknown as { mcpPanelLibs: PanelLibs }).mcpPanelLibs);
    script.onerror = () => {
      loading = null;
      reject(new Error('the terminal and diff code could not be loaded'));
    };
    document.head.append(script);
  });
  return loading;
}
