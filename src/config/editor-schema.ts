// The schema editors validate experiments with (npm run schema writes it to schemas/): the
// experiment's shape with each plugin slot spelled out, type by type, from the registries.
import type { JsonSchema } from '../registry/registry.js';
import type { Registries } from '../registry/index.js';
import { experimentShape, type RefSchema } from './experiment-schema.js';

/** For editors: the names of a kind, and for each type its own params (if/then on type). */
export function editorRef(registries: Registries): RefSchema {
  return (kind, extraKeys = {}) => {
    const plugins = registries[kind].list();
    const names = plugins.map((p) => p.type);
    // A bare name means default params, so only plugins without required params can be one.
    const bareNames = plugins.filter((p) => !p.params.required?.length).map((p) => p.type);
    // A kind with no plugins (or none usable by bare name) accepts nothing there: draft-07 has no empty enum.
    const nothing = { not: {} };
    return {
      anyOf: [
        bareNames.length > 0 ? { type: 'string', enum: bareNames } : nothing,
        names.length === 0 ? nothing : {
          type: 'object',
          required: ['type'],
          properties: { type: { enum: names } },
          allOf: plugins.map((plugin) => ({
            if: { properties: { type: { const: plugin.type } } },
            then: {
              description: plugin.summary,
              properties: { type: { const: plugin.type, description: plugin.summary }, ...extraKeys, ...plugin.params.properties },
              ...(plugin.params.required ? { required: plugin.params.required } : {}),
              additionalProperties: false,
            },
          })),
        },
      ],
    };
  };
}

/** The committed schema (npm run schema): JSON Schema draft-07, which YAML editors understand. */
export function buildEditorSchema(registries: Registries): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://trainyard.dev/schemas/experiment.schema.json',
    title: 'trainyard experiment',
    description: 'A trainyard experiment: dataset, model, loss, optimizers, training, seeds. Generated from the plugin registries by `npm run schema`.',
    ...experimentShape(editorRef(registries)),
  };
}
