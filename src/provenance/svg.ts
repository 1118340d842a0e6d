import { Graphviz } from '@hpcc-js/wasm-graphviz';

/*
 * DOT to SVG offline, in this process: Graphviz compiled to WebAssembly
 * (@hpcc-js/wasm-graphviz), so no `dot` binary is needed. Loaded on first use
 * (~0.1 s), then kept.
 */

let graphviz: Promise<Graphviz> | undefined;

/**
 * The most records a server draws: Graphviz lays out on the calling thread, and
 * a run with thousands of outputs would hold a server's every request for minutes.
 */
export const MAX_DRAWN_RECORDS = 400;

export async function renderSvg(dot: string): Promise<string> {
  graphviz ??= Graphviz.load();
  return (await graphviz).dot(dot, 'svg');
}
