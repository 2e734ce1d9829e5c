// Failures a user can act on carry a stable id and exit code (documented in the README);
// anything else reaching the top is a bug and is reported as an internal error.

/** Exit codes, one per kind of failure. Keep in sync with README "Exit codes". */
export const EXIT_CODES = {
  'build-failed': 1,
  usage: 2,
  'image-not-found': 3,
  'not-bootc': 4,
  'no-kernel': 5,
  'several-kernels': 6,
  'no-initramfs': 7,
  'initramfs-without-ostree': 8,
  'ostree-layout': 9,
  'arch-mismatch': 10,
  'image-unsupported': 11,
  storage: 12,
  'not-privileged': 13,
  output: 14,
  'no-space': 15,
  'pull-failed': 16,
  'source-unavailable': 17,
  environment: 18,
  config: 19,
  'verify-failed': 20,
  'boot-timeout': 21,
  'boot-failed': 22,
  internal: 70,
  interrupted: 130,
} as const;

export type ErrorId = keyof typeof EXIT_CODES;

/** A failure with a message that says what went wrong and what to do about it. */
export class UserError extends Error {
  constructor(
    readonly id: ErrorId,
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
  }

  get exitCode(): number {
    return EXIT_CODES[this.id];
  }
}

/** The build was stopped by a signal; cleanup has run by the time this reaches the top. */
export class Interrupted extends UserError {
  constructor(readonly signal: string) {
    super('interrupted', `interrupted by ${signal}; everything the build had set up was released`);
  }
}

/** A command the build runs failed. `detail` is the tail of its error output. */
export class CommandFailed extends UserError {
  constructor(
    readonly argv: readonly string[],
    readonly exit: number | string,
    readonly detail: string,
  ) {
    super('build-failed', `${commandName(argv)} failed (${exit})${detail ? `: ${detail}` : ''}`);
  }
}

/** "ostree commit", "qemu-img convert", "mkfs.ext4": the program and its subcommand, if any. */
export function commandName(argv: readonly string[]): string {
  for (const arg of argv.slice(1)) {
    if (/^--[^=]+=/.test(arg)) continue;
    return /^[a-z][a-z-]*$/.test(arg) ? `${argv[0]} ${arg}` : String(argv[0]);
  }
  return String(argv[0]);
}

/** A failure the command has reported itself (its --progress json stream ends with it). */
export class AlreadyReported extends Error {
  constructor(readonly failure: unknown) {
    super('already reported');
  }
}

export function errorIdOf(error: unknown): ErrorId {
  return error instanceof UserError ? error.id : 'internal';
}

export function exitCodeOf(error: unknown): number {
  return error instanceof UserError ? error.exitCode : EXIT_CODES.internal;
}

/** One line for the user: the message for known failures, a bug report hint otherwise. */
export function describeError(error: unknown): string {
  if (error instanceof UserError) return oneLine(error.message);
  const text = error instanceof Error ? error.message : String(error);
  return oneLine(`internal error: ${text} (this is a bug; rerun with --log-level debug and report it)`);
}

/** A value as messages show it: double-quoted, with line breaks and control characters escaped. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** The text with control characters (line breaks included, tabs not) escaped, so it stays one line. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}
