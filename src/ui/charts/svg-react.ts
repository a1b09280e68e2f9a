// The SVG tree (./svg-tree.ts) as React elements, so the page draws the very chart it exports.
// Events are delegated by the caller (data-* attributes on the elements say what was hit).
import { createElement, type ReactElement } from 'react';
import type { SvgAttrs, SvgNode } from './svg-tree';

/** SVG attribute name → React prop name ("stroke-width" → "strokeWidth"; aria- and data- names stay). */
function propName(name: string): string {
  if (name === 'class') return 'className';
  if (name === 'tabindex') return 'tabIndex';
  if (name.startsWith('aria-') || name.startsWith('data-') || !name.includes('-')) return name;
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function props(attrs: SvgAttrs): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && k !== 'xmlns') out[propName(k)] = v;
  return out;
}

/** React element of a tree (children passed as arguments: positional, no keys needed). */
export function toReact(node: SvgNode): ReactElement {
  return createElement(node.tag, props(node.attrs), ...node.children.map((c) => (typeof c === 'string' ? c : toReact(c))));
}
