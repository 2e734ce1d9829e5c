import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutputDir } from '../../src/cli/preflight.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/preflight-`);
  await writeFile(`${dir}/file`, '');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('output directory preflight', () => {
  it('accepts a writable directory', async () => {
    await expect(checkOutputDir(dir, {})).resolves.toBeUndefined();
  });

  it('refuses a missing directory and a file, with exit 14', async () => {
    await expect(checkOutputDir(`${dir}/missing`, {})).rejects.toMatchObject({
      exitCode: 14,
      message: `the output directory ${dir}/missing does not exist: create it, or mount one with -v ./output:/output`,
    });
    await expect(checkOutputDir(`${dir}/file`, {})).rejects.toMatchObject({ exitCode: 14, message: `the output path ${dir}/file is not a directory` });
  });
});
