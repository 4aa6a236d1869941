/**
 * Crash ids: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxTYYMMDD`, lowercase hex, the last six digits the
 * date the collector accepted the crash. Same shape as Socorro's libooid.CRASH_ID_RE.
 */
export const CRASH_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{6}[0-9]{6}$/;

export const CRASH_ID_LENGTH = 36;

export function isCrashId(s: string): boolean {
  return s.length === CRASH_ID_LENGTH && CRASH_ID_RE.test(s);
}

/** `YYYYMMDD` of a crash id (Socorro assumes 20YY). */
export function crashIdDate(id: string): string {
  return '20' + id.slice(-6);
}

/**
 * Packed form: 26 hex digits in 13 bytes and 6 decimal digits in 3 BCD bytes. Byte order of the
 * packed form equals string order of the ids, so packed ids sort like the text files.
 */
export const PACKED_SIZE = 16;

const HEX = '0123456789abcdef';
// Positions of the 26 hex digits in a 36-character id (dashes at 8, 13, 18, 23).
const HEX_POS: number[] = [];
for (let i = 0; i < 26; i++) HEX_POS.push(i + (i >= 8 ? 1 : 0) + (i >= 12 ? 1 : 0) + (i >= 16 ? 1 : 0) + (i >= 20 ? 1 : 0));

function nibble(c: number): number {
  return c <= 57 ? c - 48 : c - 87; // '0'-'9' or 'a'-'f'; input is already validated
}

export function packCrashId(id: string, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 13; i++) {
    out[offset + i] = (nibble(id.charCodeAt(HEX_POS[2 * i])) << 4) | nibble(id.charCodeAt(HEX_POS[2 * i + 1]));
  }
  for (let i = 0; i < 3; i++) {
    out[offset + 13 + i] = ((id.charCodeAt(30 + 2 * i) - 48) << 4) | (id.charCodeAt(31 + 2 * i) - 48);
  }
}

export function unpackCrashId(buf: Uint8Array, offset: number): string {
  let s = '';
  for (let i = 0; i < 13; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    const b = buf[offset + i];
    s += HEX[b >> 4] + HEX[b & 15];
  }
  for (let i = 0; i < 3; i++) {
    const b = buf[offset + 13 + i];
    s += String.fromCharCode(48 + (b >> 4), 48 + (b & 15));
  }
  return s;
}
