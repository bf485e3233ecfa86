import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The shell blocks of README.md and docs/*.md that a reader is told to run, as marked in the
 * Markdown itself: an HTML comment on the line before a ```sh fence,
 *
 *   <!-- try: first-notification -->                          run it; it must exit 0
 *   <!-- try: first-notification expect="status":"queued" --> ... and print this text
 *   <!-- try: first-notification background ready=http://localhost:3000/ready -->
 *                                                             start it, wait for the URL to answer 200
 *
 * Blocks of one group run in document order in ONE bash session (variables carry over, as in a
 * reader's terminal). The marker is invisible on GitHub; the block is exactly what the reader copies.
 */
export interface DocBlock {
  file: string;
  line: number;
  group: string;
  code: string;
  background: boolean;
  ready: string | null;
  expect: string | null;
}

const MARKER = /^<!--\s*try:\s*(\S+)((?:\s+(?:background|ready=\S+|expect=.*?))*)\s*-->\s*$/;

export function docBlocks(root: string, files: string[]): DocBlock[] {
  const blocks: DocBlock[] = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const marker = MARKER.exec(lines[i].trim());
      if (!marker) {
        if (/<!--\s*try:/.test(lines[i])) throw new Error(`${file}:${i + 1}: unreadable try marker: ${lines[i]}`);
        continue;
      }
      const fence = lines[i + 1]?.trim();
      if (fence !== '```sh') throw new Error(`${file}:${i + 1}: a try marker must stand right before a \`\`\`sh fence`);
      const end = lines.findIndex((l, j) => j > i + 1 && l.trim() === '```');
      if (end < 0) throw new Error(`${file}:${i + 2}: unclosed fence`);
      const options = marker[2] ?? '';
      blocks.push({
        file: relative(root, join(root, file)),
        line: i + 2,
        group: marker[1],
        code: lines.slice(i + 2, end).join('\n'),
        background: /\bbackground\b/.test(options),
        ready: /\bready=(\S+)/.exec(options)?.[1] ?? null,
        expect: /\bexpect=(.*)$/.exec(options)?.[1]?.trim() ?? null,
      });
      i = end;
    }
  }
  return blocks;
}

/**
 * One bash script running a group's blocks in order: each foreground block's output goes to
 * `<dir>/<n>.out` and its status to `<dir>/<n>.rc` (the script stops at the first failure);
 * a background block runs under `&` with its output in `<dir>/<n>.out`, and the script waits until
 * its `ready` URL answers 200 (or gives up after `readyTimeoutS`).
 */
export function groupScript(blocks: DocBlock[], dir: string, readyTimeoutS: number, rewrite: (text: string) => string): string {
  // the background blocks (servers) end with the group, however it ends
  const parts = ['set -u', "trap 'trap \"\" TERM; kill -TERM 0; wait' EXIT"];
  blocks.forEach((block, n) => {
    const code = rewrite(block.code);
    if (block.background) {
      parts.push(`{\n${code}\n} > ${dir}/${n}.out 2>&1 &`);
      if (block.ready) {
        parts.push(
          `for _ in $(seq 1 ${readyTimeoutS * 5}); do curl -sf -o /dev/null ${rewrite(block.ready)} && break; sleep 0.2; done`,
          `curl -sf -o /dev/null ${rewrite(block.ready)} || { echo 99 > ${dir}/${n}.rc; exit 99; }`,
        );
      }
      parts.push(`echo 0 > ${dir}/${n}.rc`);
    } else {
      parts.push(`{\n${code}\n} > ${dir}/${n}.out 2>&1`, `rc=$?; echo $rc > ${dir}/${n}.rc; [ $rc -eq 0 ] || exit $rc`);
    }
  });
  return `${parts.join('\n')}\n`;
}
