// npm run docs: rewrites the plugin tables in README.md from the registries.
import { writeReadmeTables } from './plugin-tables.js';

console.log(`wrote the plugin tables in ${await writeReadmeTables()}`);
