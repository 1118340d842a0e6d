import * as yaml from 'js-yaml';
import { ConfigError, type SourcePosition } from '../errors.js';

export type KeyPath = readonly (string | number)[];

/**
 * A parsed YAML document that remembers where every key and item came from,
 * so validation errors can name file, line and column. js-yaml's event stream
 * carries byte offsets; we walk it once and index positions by key path.
 */
export class YamlSource {
  readonly file: string;
  readonly value: unknown;
  private readonly text: string;
  private readonly positions = new Map<string, number>();
  private lineStarts: number[] | undefined;

  constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
    try {
      this.value = yaml.load(text, { filename: file });
      this.indexPositions(yaml.parseEvents(text, { filename: file }));
    } catch (err) {
      if (err instanceof yaml.YAMLException) {
        const mark = err.mark;
        throw new ConfigError(`invalid YAML: ${err.reason}`, {
          ...(mark ? { position: { file, line: mark.line + 1, column: mark.column + 1 } } : {}),
          hint: 'fix the YAML syntax at that position (indentation, a missing colon or an unclosed quote are usual causes)',
        });
      }
      throw err;
    }
  }

  /** Position of the key (for mapping entries) or item (for sequence items) at `path`. */
  position(path: KeyPath): SourcePosition {
    for (let n = path.length; n >= 0; n--) {
      const offset = this.positions.get(keyOf(path.slice(0, n)));
      if (offset !== undefined) return this.offsetToPosition(offset);
    }
    return { file: this.file, line: 1, column: 1 };
  }

  private offsetToPosition(offset: number): SourcePosition {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text[i] === '\n') this.lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  private indexPositions(events: ReturnType<typeof yaml.parseEvents>): void {
    interface Frame {
      kind: 'map' | 'seq';
      path: (string | number)[];
      index: number;
      pendingKey: string | null;
    }
    const stack: Frame[] = [];
    let documents = 0;
    const childPath = (frame: Frame): (string | number)[] =>
      frame.kind === 'seq' ? [...frame.path, frame.index] : [...frame.path, frame.pendingKey ?? ''];
    const afterValue = (frame: Frame | undefined): void => {
      if (!frame) return;
      if (frame.kind === 'seq') frame.index++;
      else frame.pendingKey = null;
    };
    for (const ev of events) {
      const top = stack[stack.length - 1];
      switch (ev.type) {
        case yaml.EVENT_DOCUMENT:
          documents++;
          break;
        case yaml.EVENT_MAPPING:
        case yaml.EVENT_SEQUENCE: {
          if (documents > 1) return;
          const path = top ? childPath(top) : [];
          if (top?.kind === 'seq') this.positions.set(keyOf(path), ev.start);
          stack.push({ kind: ev.type === yaml.EVENT_MAPPING ? 'map' : 'seq', path, index: 0, pendingKey: null });
          break;
        }
        case yaml.EVENT_SCALAR: {
          if (!top) break;
          if (top.kind === 'map' && top.pendingKey === null) {
            top.pendingKey = this.text.slice(ev.valueStart, ev.valueEnd).replace(/^["']|["']$/g, '');
            this.positions.set(keyOf([...top.path, top.pendingKey]), ev.valueStart);
          } else {
            if (top.kind === 'seq') this.positions.set(keyOf(childPath(top)), ev.valueStart);
            afterValue(top);
          }
          break;
        }
        case yaml.EVENT_ALIAS:
          afterValue(top);
          break;
        case yaml.EVENT_POP:
          if (top && (top.kind === 'map' || top.kind === 'seq') && stack.length > 0) {
            stack.pop();
            afterValue(stack[stack.length - 1]);
          }
          break;
      }
    }
  }
}

function keyOf(path: KeyPath): string {
  return JSON.stringify(path);
}

/** `read[0].use.version` style rendering of a key path for messages. */
export function renderKeyPath(path: KeyPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}
