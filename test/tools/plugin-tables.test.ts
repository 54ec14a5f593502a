import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pluginTables, README, withCurrentTables } from '../../tools/plugin-tables.js';

describe('tools/plugin-tables', () => {
  it('README.md holds the current plugin tables (run `npm run docs` after changing a plugin)', () => {
    const readme = readFileSync(README, 'utf8');
    assert.equal(readme, withCurrentTables(readme), 'README plugin tables are stale: run `npm run docs`');
  });

  it('lists every optimizer and schedule with its params and torch defaults', () => {
    const tables = pluginTables(['optimizers', 'schedules']);
    for (const type of ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam', 'radam']) assert.match(tables, new RegExp(`\\| \`${type}\` \\|`));
    for (const type of ['step', 'multiStep', 'exponential', 'cosineAnnealing', 'linearWarmup', 'oneCycle', 'reduceOnPlateau']) assert.match(tables, new RegExp(`\\| \`${type}\` \\|`));
    assert.match(tables, /\| `adam` \|.*`eps` \(number >= 0, 1e-8\)/);
    assert.match(tables, /\| `sgd` \|.*`momentum` \(number >= 0, < 1, 0\)/);
  });
});
