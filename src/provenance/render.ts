import type { ProvDocument } from './document.js';
import { toDot } from './dot.js';
import { toProvJson } from './prov-json.js';
import { toProvN } from './prov-n.js';
import { toProvXml } from './prov-xml.js';
import { renderSvg } from './svg.js';

/** The text serialisations of a provenance document, by the names `fairfs prov --format` takes. */
export const TEXT_FORMATS = ['prov-json', 'prov-n', 'prov-xml', 'dot', 'svg'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];

/** One document as text; `title` names the picture (DOT, SVG). */
export async function renderProv(doc: ProvDocument, format: TextFormat, title: string): Promise<string> {
  switch (format) {
    case 'prov-json':
      return `${JSON.stringify(toProvJson(doc), null, 2)}\n`;
    case 'prov-n':
      return toProvN(doc);
    case 'prov-xml':
      return toProvXml(doc);
    case 'dot':
      return toDot(doc, title);
    case 'svg':
      return renderSvg(toDot(doc, title));
  }
}
