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
 * packed form equals string order of the ids, so packed ids sort like the text files. Ids are
 * packed from strings (parsed options, listings) or straight from file bytes (id files are read
 * without a string per line); both unpack through one 36-byte buffer.
 */
export const PACKED_SIZE = 16;

// Offsets of the 26 hex digits in an id (dashes at 8, 13, 18, 23).
const HEX_AT: number[] = [];
for (let i = 0; i < 26; i++) HEX_AT.push(i + (i >= 8 ? 1 : 0) + (i >= 12 ? 1 : 0) + (i >= 16 ? 1 : 0) + (i >= 20 ? 1 : 0));

const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

// '0'-'9' or 'a'-'f'; input is already validated.
const nibble = (c: number): number => (c <= 0x39 ? c - 0x30 : c - 0x57);

/** Whether the 36 bytes at `buf[off]` spell a crash id (same rule as CRASH_ID_RE). */
export function isCrashIdAt(buf: Uint8Array, off: number): boolean {
  for (let i = 0; i < CRASH_ID_LENGTH; i++) {
    const c = buf[off + i];
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false; // '-'
    } else if (i >= 30) {
      if (c < 0x30 || c > 0x39) return false; // date digits
    } else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) {
      return false; // lowercase hex
    }
  }
  return true;
}

/** Packs a valid crash id (a string) into `out[offset..offset+16)`. */
export function packCrashId(id: string, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 13; i++) {
    out[offset + i] = (nibble(id.charCodeAt(HEX_AT[2 * i])) << 4) | nibble(id.charCodeAt(HEX_AT[2 * i + 1]));
  }
  for (let i = 0; i < 3; i++) {
    out[offset + 13 + i] = ((id.charCodeAt(30 + 2 * i) - 0x30) << 4) | (id.charCodeAt(31 + 2 * i) - 0x30);
  }
}

/** Packs the valid crash id spelled by the ASCII bytes at `buf[off]` into `out[0..16)`. */
export function packCrashIdBytes(buf: Uint8Array, off: number, out: Uint8Array): void {
  for (let i = 0; i < 13; i++) out[i] = (nibble(buf[off + HEX_AT[2 * i]]) << 4) | nibble(buf[off + HEX_AT[2 * i + 1]]);
  for (let i = 0; i < 3; i++) out[13 + i] = ((buf[off + 30 + 2 * i] - 0x30) << 4) | (buf[off + 31 + 2 * i] - 0x30);
}

/** The crash id packed at `packed[off]`, spelled through `text` (36 bytes): one string per id. */
export function unpackCrashId(packed: Uint8Array, off: number, text: Buffer = Buffer.alloc(CRASH_ID_LENGTH)): string {
  let w = 0;
  for (let i = 0; i < 13; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[w++] = 0x2d;
    const b = packed[off + i];
    text[w++] = HEX_CODES[b >> 4];
    text[w++] = HEX_CODES[b & 15];
  }
  for (let i = 13; i < 16; i++) {
    const b = packed[off + i];
    text[w++] = 0x30 + (b >> 4);
    text[w++] = 0x30 + (b & 15);
  }
  return text.toString('latin1', 0, CRASH_ID_LENGTH);
}
