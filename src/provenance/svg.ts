import { Graphviz } from '@hpcc-js/wasm-graphviz';

/*
 * DOT to SVG offline, in this process: Graphviz compiled to WebAssembly
 * (@hpcc-js/wasm-graphviz), so no `dot` binary is needed. Loaded on first use
 * (~0.1 s), then kept.
 */

let graphviz: Promise<Graphviz> | undefined;

export async function renderSvg(dot: string): Promise<string> {
  graphviz ??= Graphviz.load();
  return (await graphviz).dot(dot, 'svg');
}
