import type { JsonSchema, PluginBase } from '../registry/registry.js';

/** 'number > 0', 'integer 1..100', 'one of linear, relu' — a param's type as a person reads it. */
export function typeText(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.join(', ')}`;
  let text = String(schema.type ?? 'any');
  if (schema.type === 'array' && schema.items && typeof schema.items === 'object') text = `list of ${(schema.items as JsonSchema).type}`;
  const bounds: string[] = [];
  if (schema.minimum !== undefined) bounds.push(`>= ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) bounds.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) bounds.push(`<= ${schema.maximum}`);
  if (schema.exclusiveMaximum !== undefined) bounds.push(`< ${schema.exclusiveMaximum}`);
  return bounds.length ? `${text} ${bounds.join(', ')}` : text;
}

export function defaultText(schema: JsonSchema, required: boolean): string {
  if (required) return 'required';
  return 'default' in schema ? JSON.stringify(schema.default) : '-';
}

/** Rows of a plugin's params: name, type, default, description. */
export function paramRows(plugin: PluginBase): string[][] {
  const required = new Set(plugin.params.required ?? []);
  return Object.entries(plugin.params.properties).map(([name, schema]) => [
    name,
    typeText(schema),
    defaultText(schema, required.has(name)),
    String(schema.description ?? ''),
  ]);
}

export { columns } from '../util/text.js';
