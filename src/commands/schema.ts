import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createRegistries, type Registries } from '../registry/index.js';
import { buildEditorSchema } from '../config/editor-schema.js';

export const SCHEMA_HELP = `Usage: trainyard schema [--write]
       trainyard schema [EXPERIMENT.yaml] [--plugins FILE...] [--out FILE]

Prints the JSON Schema (draft-07) of experiment files, generated from the plugin
registries. With --write, writes it to schemas/experiment.schema.json in the package.
With EXPERIMENT.yaml (the modules its plugins: names) or --plugins FILE... (paths relative
to this directory), the schema includes those plugins and their params; --out writes it to FILE.
Editors use it through the first line of an experiment file (the yaml-language-server
extension, e.g. Red Hat's YAML extension for VS Code):
  # yaml-language-server: $schema=../schemas/experiment.schema.json`;

export const SCHEMA_FILE = fileURLToPath(new URL('../../../schemas/experiment.schema.json', import.meta.url));

export function schemaText(registries: Registries = createRegistries()): string {
  return `${JSON.stringify(buildEditorSchema(registries), null, 2)}\n`;
}

export async function writeSchema(): Promise<string> {
  await writeFile(SCHEMA_FILE, schemaText());
  return SCHEMA_FILE;
}
