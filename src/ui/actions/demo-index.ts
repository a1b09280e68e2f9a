// The bundled demo models: public/models/index.json, each with <name>.onnx and <name>.card.json.
import type { ModelCard } from '../store/model-slice';

export interface DemoModel {
  name: string;
  title: string;
  modelUrl: string;
  cardUrl: string;
}

const BASE = `${import.meta.env.BASE_URL}models/`;

type IndexEntry = string | { name?: string; id?: string; title?: string; file?: string; model?: string; card?: string };

/**
 * Parses index.json: `{default?, models: [...]}` or a bare array; entries are names or
 * {name, title?, file?, card?}. The `default` model comes first (it is the one opened on start).
 */
export function parseDemoIndex(json: unknown): DemoModel[] {
  const list: unknown = Array.isArray(json) ? json : (json as { models?: unknown } | null)?.models;
  if (!Array.isArray(list)) return [];
  const preferred = (json as { default?: unknown } | null)?.default;
  const demos = (list as IndexEntry[]).flatMap((entry): DemoModel[] => {
    const e = typeof entry === 'string' ? { name: entry } : entry;
    const name = e?.name ?? e?.id ?? e?.file?.replace(/\.onnx$/, '');
    if (!name) return [];
    const file = e.file ?? e.model ?? `${name}.onnx`;
    return [{ name, title: e.title ?? name, modelUrl: BASE + file, cardUrl: BASE + (e.card ?? `${name}.card.json`) }];
  });
  return [...demos.filter((d) => d.name === preferred), ...demos.filter((d) => d.name !== preferred)];
}

/** The demo list, or [] when the demo files are not there (yet). */
export async function fetchDemoIndex(): Promise<DemoModel[]> {
  try {
    const response = await fetch(`${BASE}index.json`);
    if (!response.ok) return [];
    return parseDemoIndex(await response.json());
  } catch {
    return [];
  }
}

/** A demo's model card, or undefined when missing or unreadable (the card is optional). */
export async function fetchCard(url: string): Promise<ModelCard | undefined> {
  try {
    const response = await fetch(url);
    return response.ok ? ((await response.json()) as ModelCard) : undefined;
  } catch {
    return undefined;
  }
}
