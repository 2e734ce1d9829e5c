import { describe, expect, it } from 'vitest';
import { CleanupStack } from '../../src/run/cleanup.js';
import { silentReporter } from '../../src/run/reporter.js';

describe('CleanupStack', () => {
  it('undoes newest first, keeps going past failures and reports them', async () => {
    const stack = new CleanupStack(silentReporter);
    const done: string[] = [];
    stack.push('a', async () => void done.push('a'));
    stack.push('b', async () => {
      throw new Error('busy');
    });
    stack.push('c', async () => void done.push('c'));
    expect(await stack.unwind()).toEqual(['b']);
    expect(done).toEqual(['c', 'a']);
    expect(stack.size).toBe(0);
  });

  it('runs an early release once and forgets it', async () => {
    const stack = new CleanupStack(silentReporter);
    let runs = 0;
    const release = stack.push('x', async () => void runs++);
    await release();
    await release();
    expect(await stack.unwind()).toEqual([]);
    expect(runs).toBe(1);
  });
});
