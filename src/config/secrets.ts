// Secrets (passwords, SSH keys) never enter the plan: steps carry a placeholder that the
// executor replaces right before running a command, so manifests, logs and build records
// only ever show the placeholder.
export type Secrets = ReadonlyMap<string, string>;

const PATTERN = /@secret:([A-Za-z0-9_.:-]+)@/g;

export function secretRef(name: string): string {
  return `@secret:${name}@`;
}

export const passwordSecret = (user: string) => `user.${user}.password`;
export const keySecret = (user: string) => `user.${user}.key`;
export const fileSecret = (index: number) => `file.${index}.data`;

/** Replaces placeholders by their values; an unknown name is a bug. */
export function revealSecrets(text: string, secrets: Secrets): string {
  return text.replace(PATTERN, (_m, name: string) => {
    const value = secrets.get(name);
    if (value === undefined) throw new Error(`no secret named ${name}`);
    return value;
  });
}
