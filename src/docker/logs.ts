import type Docker from 'dockerode';

/**
 * How far back a log is read for what a service waited for: the line that names it may be
 * followed by a long stack trace (Node's, Java's) and the retries after it.
 */
export const WAIT_LOG_LINES = 200;

/** The last `count` lines of a log text. */
export function lastLogLines(text: string, count = 20): string {
  return text.split('\n').slice(-count).join('\n');
}

/** The last lines a container wrote (stdout and stderr), bounded, without terminal colour codes. */
export async function logTail(container: Docker.Container, lines = 20): Promise<string> {
  try {
    const raw = await container.logs({ stdout: true, stderr: true, tail: lines, follow: false });
    return withoutColours(demux(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))))
      .slice(-8192)
      .trimEnd();
  } catch {
    return '';
  }
}

/**
 * The engine multiplexes the streams of a container without a TTY: 8-byte frame headers
 * (stream type, 3 zero bytes, big-endian length) before each chunk.
 */
export function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    if ((type !== 1 && type !== 2 && type !== 0) || offset + 8 + length > buffer.length) {
      // Not framed (a TTY container): the bytes are the text.
      return buffer.toString('utf8');
    }
    parts.push(buffer.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Terminal escape sequences (colours, cursor moves) are how a tool paints its text, not the text:
 * nodemon's, tsc's and npm's log lines carry them.
 */
export function withoutColours(text: string): string {
  // eslint-disable-next-line no-control-regex -- the escape character is what is removed
  return text.replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '');
}
