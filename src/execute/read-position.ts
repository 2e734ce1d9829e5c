// How far a running command has read a file: the offset of the descriptor it has open on it,
// from /proc (fdinfo's "pos"), looked for in every process of its group. ostree says nothing
// while it commits a tar; where it is in the tar is the honest measure of its progress.
import { readFile, readdir, readlink } from 'node:fs/promises';

async function groupOf(pid: string): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[2] === undefined ? undefined : Number(fields[2]);
}

/** The furthest read offset of a file named `name` (a path's last part) open in `group`. */
export async function readPosition(group: number, name: string): Promise<number | undefined> {
  let furthest: number | undefined;
  const pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  for (const pid of pids) {
    if ((await groupOf(pid)) !== group) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (!target.endsWith(`/${name}`)) continue;
      const pos = /^pos:\s+(\d+)$/m.exec(await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => ''))?.[1];
      if (pos !== undefined) furthest = Math.max(furthest ?? 0, Number(pos));
    }
  }
  return furthest;
}

const POLL_MS = 250;

/** Calls `read` with each increase of the position until the returned stop is called. */
export function followReads(group: number, name: string, read: (delta: number) => void): () => void {
  let last = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    readPosition(group, name)
      .then((pos) => {
        if (pos !== undefined && pos > last) read(pos - last);
        if (pos !== undefined) last = Math.max(last, pos);
      })
      .finally(() => {
        busy = false;
      });
  }, POLL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
