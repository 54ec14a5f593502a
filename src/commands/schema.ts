import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createRegistries } from '../registry/index.js';
import { buildEditorSchema } from '../config/experiment-schema.js';

export const SCHEMA_HELP = `Usage: trainyard schema [--write]

Prints the JSON Schema (draft-07) of experiment files, generated from the plugin
registries. With --write, writes it to schemas/experiment.schema.json in the package.
Editors use it through the first line of an experiment file:
  # yaml-language-server: $schema=../schemas/experiment.schema.json`;

export const SCHEMA_FILE = fileURLToPath(new URL('../../../schemas/experiment.schema.json', import.meta.url));

export function schemaText(): string {
  return `${JSON.stringify(buildEditorSchema(createRegistries()), null, 2)}\n`;
}

export async function writeSchema(): Promise<string> {
  await writeFile(SCHEMA_FILE, schemaText());
  return SCHEMA_FILE;
}
