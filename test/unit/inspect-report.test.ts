import { describe, expect, it } from 'vitest';
import { renderInspect, verdictOf } from '../../src/cli/inspect-report.js';
import { UserError } from '../../src/errors.js';
import { exampleFacts } from '../support/facts.js';

describe('inspect report', () => {
  it('describes the example image', async () => {
    await expect(renderInspect(exampleFacts(), { buildable: true })).toMatchFileSnapshot('../golden/inspect-debian-trixie.txt');
  });

  it('says why an image cannot be built, with the exit code a build would have', () => {
    const verdict = verdictOf(new UserError('initramfs-without-ostree', 'x: no ostree in the initramfs'));
    expect(verdict).toEqual({ buildable: false, error: 'initramfs-without-ostree', exitCode: 8, message: 'x: no ostree in the initramfs' });
    expect(renderInspect(exampleFacts(), verdict)).toMatch(/^Verdict +cannot be built \(exit 8\): x: no ostree in the initramfs$/m);
  });
});
