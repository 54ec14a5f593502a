import assert from 'node:assert/strict';
import { colorMap, fnv1a, PALETTE } from '../../src/reporters/colors.js';

describe('reporters/colors', () => {
  it('maps a name to the palette slot of its hash, the same in any company', () => {
    const alone = colorMap(['Adam']).get('Adam');
    assert.equal(alone, PALETTE[fnv1a('Adam') % PALETTE.length]);
    assert.equal(colorMap(['SGD', 'RMSprop', 'Adam']).get('Adam'), alone);
    assert.equal(colorMap(['Adam', 'SGD']).get('SGD'), colorMap(['SGD']).get('SGD'));
  });

  it('moves a later name whose slot is taken to the next free one, so colours stay distinct', () => {
    // Two names hashing to one slot: find a pair among short names.
    const names = Array.from({ length: 200 }, (_, i) => `opt${i}`);
    const a = names[0];
    const b = names.find((n) => n !== a && fnv1a(n) % PALETTE.length === fnv1a(a) % PALETTE.length) as string;
    const map = colorMap([a, b]);
    assert.equal(map.get(a), PALETTE[fnv1a(a) % PALETTE.length], 'the first keeps its colour');
    assert.notEqual(map.get(b), map.get(a));
    assert.equal(new Set(colorMap(names.slice(0, PALETTE.length)).values()).size, PALETTE.length, 'a full palette before any repeats');
    assert.equal(colorMap(names).size, names.length, 'more names than colours still get one each');
  });

  it('ignores duplicates and keeps the first appearance', () => {
    assert.deepEqual([...colorMap(['SGD', 'Adam', 'SGD']).keys()], ['SGD', 'Adam']);
  });
});
