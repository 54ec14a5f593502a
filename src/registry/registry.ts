import { closestName } from '../util/suggest.js';

/** What every plugin has: the name used in YAML, a one-line summary and the JSON Schema of its params. */
export interface PluginBase {
  type: string;
  summary: string;
  params: ParamsSchema;
}

/** A JSON Schema (draft-07) object schema describing a plugin's YAML params. */
export interface ParamsSchema {
  type: 'object';
  properties: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: false;
}

export type JsonSchema = Record<string, unknown>;

export class UnknownNameError extends Error {
  constructor(
    readonly kind: string,
    readonly unknown: string,
    readonly valid: string[],
    readonly suggestion: string | undefined,
  ) {
    super(
      `unknown ${kind} '${unknown}'` +
        (suggestion ? `; did you mean '${suggestion}'?` : '') +
        ` (valid: ${valid.join(', ')})`,
    );
    
  }
}

/** One generic registry for every kind of plugin. */
export class Registry<T extends PluginBase> {
  private readonly items = new Map<string, T>();

  constructor(readonly kind: string) {}

  register(plugin: T): this {
    if (this.items.has(plugin.type)) {
      throw new Error(`${this.kind} '${plugin.type}' is already registered`);
    }
    this.items.set(plugin.type, plugin);
    return this;
  }

  has(type: string): boolean {
    return this.items.has(type);
  }

  get(type: string): T {
    const plugin = this.items.get(type);
    if (!plugin) {
      const valid = this.names();
      throw new UnknownNameError(this.kind, type, valid, closestName(type, valid));
    }
    return plugin;
  }

  names(): string[] {
    return [...this.items.keys()];
  }

  list(): T[] {
    return [...this.items.values()];
  }
}
