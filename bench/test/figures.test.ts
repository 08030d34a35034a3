/**
 * The bench's figures (issue 11): a ratio is taken from the medians before they are rounded for display, so a
 * sub-millisecond figure is not judged on 0.1 ms steps.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ratioFigure } from '../lib/figures.ts';

describe('ratioFigure', () => {
  it('takes the ratio of the unrounded medians and shows values with the digits asked for', () => {
    const f = ratioFigure({ name: 'p99', unit: 'ms', runs: [0.6, 0.555, 0.5], peer: 'wrk', peerRuns: [0.4, 0.375, 0.36], atLeast: null, digits: 3 });
    assert.equal(f.value, 0.555);
    assert.equal(f.peer_value, 0.375);
    assert.equal(f.ratio, 1.48); // 0.555 / 0.375, not 0.6 / 0.4 = 1.5
    assert.deepEqual(f.runs, [0.6, 0.555, 0.5]);
  });

  it('shows one decimal by default; the goal is judged on the ratio', () => {
    const f = ratioFigure({ name: 'rps', unit: 'req/s', runs: [1300.04, 1300.08, 1300.06], peer: 'p', peerRuns: [1000.04], atLeast: 1.3 });
    assert.equal(f.value, 1300.1);
    assert.equal(f.peer_value, 1000);
    assert.equal(f.ratio, 1.3);
    assert.equal(f.met, true);
    const below = ratioFigure({ name: 'rps', unit: 'req/s', runs: [1290], peer: 'p', peerRuns: [1000.04], atLeast: 1.3 });
    assert.equal(below.ratio, 1.29);
    assert.equal(below.met, false);
  });
});
