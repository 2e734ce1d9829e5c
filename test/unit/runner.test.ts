// The runner against real processes: exit codes, error text, aborts.
import { describe, expect, it } from 'vitest';
import { CommandFailed, Interrupted } from '../../src/errors.js';
import { silentReporter } from '../../src/run/reporter.js';
import { createRunner } from '../../src/run/runner.js';

const runner = createRunner(silentReporter);

describe('runner', () => {
  it('returns output of a successful command', async () => {
    expect(await runner.run(['sh', '-c', 'echo out; echo err >&2'])).toEqual({ stdout: 'out', stderr: 'err', exitCode: 0 });
  });

  it('names the command and quotes the last error lines when it fails', async () => {
    const run = runner.run(['sh', '-c', 'echo one >&2; echo two >&2; echo three >&2; echo four >&2; exit 3']);
    await expect(run).rejects.toThrow(CommandFailed);
    await expect(run).rejects.toThrow('sh failed (exit code 3): two | three | four');
  });

  it('accepts the exit codes it is told are fine', async () => {
    expect((await runner.run(['sh', '-c', 'exit 32'], { okExitCodes: [0, 32] })).exitCode).toBe(32);
  });

  it('says when a program is missing', async () => {
    await expect(runner.run(['no-such-program-dbib'])).rejects.toThrow(/no-such-program-dbib failed \(could not start\)/);
  });

  it('turns an abort into the abort reason and stops the command', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const run = createRunner(silentReporter, controller.signal).run(['sleep', '30']);
    setTimeout(() => controller.abort(new Interrupted('SIGTERM')), 200);
    await expect(run).rejects.toThrow(Interrupted);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a command that finished before the abort took effect as finished', async () => {
    const controller = new AbortController();
    const run = createRunner(silentReporter, controller.signal).run(['sh', '-c', 'trap "" TERM; sleep 0.3; echo done']);
    setTimeout(() => controller.abort(new Interrupted('SIGINT')), 50);
    expect((await run).stdout).toBe('done');
  });
});
