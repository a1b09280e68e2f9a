// A tiny SVG element tree: charts are built once as plain data, then written as a self-contained
// SVG string (downloads, the HTML report) or turned into React elements (the page, ./svg-react.ts).
// One drawing for screen, file and report; the string writer escapes every text and attribute,
// so names read from a model file cannot inject markup.

export type SvgAttrs = Record<string, string | number | undefined>;

export interface SvgNode {
  tag: string;
  attrs: SvgAttrs;
  children: (SvgNode | string)[];
}

/** An element; undefined/false children are skipped, so `cond && el(...)` reads naturally. */
export function el(tag: string, attrs: SvgAttrs = {}, ...children: (SvgNode | string | undefined | false | null)[]): SvgNode {
  return { tag, attrs, children: children.filter((c): c is SvgNode | string => c !== undefined && c !== false && c !== null) };
}

/** `text` safe inside an element or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Numbers in attributes: at most 2 decimals (smaller files, stable output). */
function attrValue(v: string | number): string {
  return typeof v === 'number' ? String(Math.round(v * 100) / 100) : v;
}

/** The tree as markup (no XML declaration: it is valid inline in HTML and as an .svg file). */
export function toSvgString(node: SvgNode): string {
  const attrs = Object.entries(node.attrs)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(attrValue(v))}"`)
    .join('');
  if (node.children.length === 0) return `<${node.tag}${attrs}/>`;
  const inner = node.children.map((c) => (typeof c === 'string' ? escapeXml(c) : toSvgString(c))).join('');
  return `<${node.tag}${attrs}>${inner}</${node.tag}>`;
}
