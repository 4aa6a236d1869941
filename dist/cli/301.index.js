export const id = 301;
export const ids = [301];
export const modules = {

/***/ 3301:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  main: () => (/* binding */ main)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: ./node_modules/commander/index.js + 6 modules
var commander = __webpack_require__(7375);
;// CONCATENATED MODULE: ./src/core/chunks.ts
const DEFAULT_CHUNK_SIZE = 50_000;
function chunkFile(start, end) {
    return `chunks/uuids-${start}-${end}.txt`;
}
/**
 * Splits `total` ids into chunks of `chunkSize`; with `maxChunks` (the caller's limit, e.g. the
 * jobs a matrix may have), the size is raised so that there are never more chunks than that.
 */
function planChunks(total, chunkSize = DEFAULT_CHUNK_SIZE, maxChunks) {
    let size = chunkSize;
    let requested;
    if (maxChunks !== undefined && Math.ceil(total / size) > maxChunks) {
        requested = size;
        size = Math.ceil(total / maxChunks);
    }
    const chunks = [];
    for (let start = 0, index = 0; start < total; start += size, index++) {
        const end = Math.min(start + size, total);
        chunks.push({ index, start, end, file: chunkFile(start, end) });
    }
    return requested === undefined ? { chunkSize: size, chunks } : { chunkSize: size, requested, maxChunks, chunks };
}

;// CONCATENATED MODULE: ./src/core/errors.ts
/**
 * Two kinds of failure, mapped to the contract's exit codes by the adapters:
 * UsageError (exit 2) is raised before anything is sent or written;
 * RunError (exit 1) means the run started and stopped, keeping partial results.
 */
class UsageError extends Error {
    name = 'UsageError';
}
class RunError extends Error {
    name = 'RunError';
}
/** Exit code for an error thrown out of a mode. */
function exitCodeFor(err) {
    return err instanceof UsageError ? 2 : 1;
}
/** One line, no stack: what an operator reads. */
function oneLine(err) {
    const msg = err instanceof Error ? err.message : String(err);
    return msg.replace(/\s*\n\s*/g, ' ').trim();
}
/**
 * `text` with each secret replaced by [redacted]: servers (and proxies in front of them) have
 * been seen to quote a request's Authorization header back in an error page.
 */
function redact(text, ...secrets) {
    let out = text;
    for (const s of secrets)
        if (s && s.length >= 8)
            out = out.split(s).join('[redacted]');
    return out;
}

;// CONCATENATED MODULE: ./src/core/interrupt.ts
/**
 * Ctrl-C, or SIGINT/SIGTERM from a cancelled job, asks the run to stop cleanly: the batch or
 * requests in flight finish and are recorded, so a rerun neither loses nor repeats them. At a
 * terminal a second signal quits at once; a cancelled job (`second: 'ignore'`) gets SIGTERM
 * 7.5 s after SIGINT, and quitting then would lose the ledger upload in progress, so it goes on
 * until the runner's kill 2.5 s later.
 */
function interruptSignal(say, proc = process, opts = {}) {
    const ctl = new AbortController();
    const onSignal = (sig) => {
        if (ctl.signal.aborted) {
            if ((opts.second ?? 'exit') === 'exit')
                proc.exit(130);
            else
                say(`${sig}: still saving what was done`);
            return;
        }
        say(opts.second === 'ignore' ? `${sig}: stopping; saving what was done` : `${sig}: stopping after the work in flight; send it again to quit now`);
        ctl.abort();
    };
    proc.on('SIGINT', onSignal);
    proc.on('SIGTERM', onSignal);
    return {
        signal: ctl.signal,
        dispose() {
            proc.off('SIGINT', onSignal);
            proc.off('SIGTERM', onSignal);
        },
    };
}

;// CONCATENATED MODULE: ./src/core/progress.ts
const silentReporter = {
    info() { },
    warn() { },
    start: () => ({ update() { }, stop() { } }),
};
function formatDuration(ms) {
    const s = Math.round(ms / 1000);
    if (s < 60)
        return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60)
        return `${m}m${String(s % 60).padStart(2, '0')}s`;
    return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
/** Progress as periodic log lines with rate and ETA, for logs that are not terminals. */
function periodicProgress(print, everyMs = 5000, now = () => Date.now()) {
    return {
        start(label, total) {
            const t0 = now();
            let last = t0;
            let done = 0;
            let counts;
            const line = () => {
                const elapsed = now() - t0;
                const rate = elapsed > 0 ? (done * 1000) / elapsed : 0;
                const eta = rate > 0 && total > done ? ` eta ${formatDuration(((total - done) / rate) * 1000)}` : '';
                const extra = counts ? ' ' + Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ') : '';
                const pct = total > 0 ? ` (${Math.floor((done * 100) / total)}%)` : '';
                print(`${label}: ${done}/${total}${pct}${extra} ${Math.round(rate)}/s${eta}`);
            };
            return {
                update(d, c) {
                    done = d;
                    counts = c;
                    const t = now();
                    if (t - last >= everyMs) {
                        last = t;
                        line();
                    }
                },
                stop() {
                    line();
                },
            };
        },
    };
}

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/core/clock.ts
const sleep = (ms, signal) => new Promise((resolve) => {
    if (signal?.aborted)
        return resolve();
    const t = setTimeout(done, ms);
    function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
});
const systemClock = { now: () => Date.now(), sleep };

;// CONCATENATED MODULE: ./src/core/crash-id.ts
/**
 * Crash ids: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxTYYMMDD`, lowercase hex, the last six digits the
 * date the collector accepted the crash. Same shape as Socorro's libooid.CRASH_ID_RE.
 */
const CRASH_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{6}[0-9]{6}$/;
const CRASH_ID_LENGTH = 36;
function isCrashId(s) {
    return s.length === CRASH_ID_LENGTH && CRASH_ID_RE.test(s);
}
/** `YYYYMMDD` of a crash id (Socorro assumes 20YY). */
function crashIdDate(id) {
    return '20' + id.slice(-6);
}
/**
 * Packed form: 26 hex digits in 13 bytes and 6 decimal digits in 3 BCD bytes. Byte order of the
 * packed form equals string order of the ids, so packed ids sort like the text files. Ids are
 * packed from strings (parsed options, listings) or straight from file bytes (id files are read
 * without a string per line); both unpack through one 36-byte buffer.
 */
const PACKED_SIZE = 16;
// Offsets of the 26 hex digits in an id (dashes at 8, 13, 18, 23).
const HEX_AT = [];
for (let i = 0; i < 26; i++)
    HEX_AT.push(i + (i >= 8 ? 1 : 0) + (i >= 12 ? 1 : 0) + (i >= 16 ? 1 : 0) + (i >= 20 ? 1 : 0));
const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
// '0'-'9' or 'a'-'f'; input is already validated.
const nibble = (c) => (c <= 0x39 ? c - 0x30 : c - 0x57);
/** Whether the 36 bytes at `buf[off]` spell a crash id (same rule as CRASH_ID_RE). */
function isCrashIdAt(buf, off) {
    for (let i = 0; i < CRASH_ID_LENGTH; i++) {
        const c = buf[off + i];
        if (i === 8 || i === 13 || i === 18 || i === 23) {
            if (c !== 0x2d)
                return false; // '-'
        }
        else if (i >= 30) {
            if (c < 0x30 || c > 0x39)
                return false; // date digits
        }
        else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) {
            return false; // lowercase hex
        }
    }
    return true;
}
/** Packs a valid crash id (a string) into `out[offset..offset+16)`. */
function packCrashId(id, out, offset) {
    for (let i = 0; i < 13; i++) {
        out[offset + i] = (nibble(id.charCodeAt(HEX_AT[2 * i])) << 4) | nibble(id.charCodeAt(HEX_AT[2 * i + 1]));
    }
    for (let i = 0; i < 3; i++) {
        out[offset + 13 + i] = ((id.charCodeAt(30 + 2 * i) - 0x30) << 4) | (id.charCodeAt(31 + 2 * i) - 0x30);
    }
}
/** Packs the valid crash id spelled by the ASCII bytes at `buf[off]` into `out[0..16)`. */
function packCrashIdBytes(buf, off, out) {
    for (let i = 0; i < 13; i++)
        out[i] = (nibble(buf[off + HEX_AT[2 * i]]) << 4) | nibble(buf[off + HEX_AT[2 * i + 1]]);
    for (let i = 0; i < 3; i++)
        out[13 + i] = ((buf[off + 30 + 2 * i] - 0x30) << 4) | (buf[off + 31 + 2 * i] - 0x30);
}
/** The crash id packed at `packed[off]`, spelled through `text` (36 bytes): one string per id. */
function unpackCrashId(packed, off, text = Buffer.alloc(CRASH_ID_LENGTH)) {
    let w = 0;
    for (let i = 0; i < 13; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10)
            text[w++] = 0x2d;
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

;// CONCATENATED MODULE: ./src/core/hours.ts
/** The UTC date (YYYYMMDD) and hour (HH) of a time. */
function hourOf(ms) {
    const iso = new Date(ms).toISOString();
    return { date: iso.slice(0, 10).replaceAll('-', ''), hour: iso.slice(11, 13) };
}
function addHour(counts, ms, n = 1) {
    const { date, hour } = hourOf(ms);
    const day = (counts[date] ??= {});
    day[hour] = (day[hour] ?? 0) + n;
}
function mergeHours(into, more) {
    for (const [date, hours] of Object.entries(more)) {
        const day = (into[date] ??= {});
        for (const [hour, n] of Object.entries(hours))
            day[hour] = (day[hour] ?? 0) + n;
    }
    return into;
}
/** Dates and hours in order, so the file is the same for the same counts. */
function hoursJson(counts) {
    const sorted = {};
    for (const date of Object.keys(counts).sort()) {
        const hours = counts[date];
        sorted[date] = Object.fromEntries(Object.keys(hours).sort().map((h) => [h, hours[h]]));
    }
    return JSON.stringify(sorted, null, 1) + '\n';
}
/** Reads havenots-hours.json; anything that is not `{"YYYYMMDD": {"HH": count}}` is refused. */
function parseHours(text) {
    const v = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v))
        throw new Error('not an object of dates');
    const out = {};
    for (const [date, hours] of Object.entries(v)) {
        if (!/^\d{8}$/.test(date) || typeof hours !== 'object' || hours === null)
            throw new Error(`bad date entry ${date}`);
        out[date] = {};
        for (const [hour, n] of Object.entries(hours)) {
            if (!/^([01]\d|2[0-3])$/.test(hour) || typeof n !== 'number' || !Number.isInteger(n) || n < 0)
                throw new Error(`bad hour ${date} ${hour}`);
            out[date][hour] = n;
        }
    }
    return out;
}
function totalOf(counts) {
    let n = 0;
    for (const hours of Object.values(counts))
        for (const c of Object.values(hours))
            n += c;
    return n;
}
const BLOCKS = ' ▁▂▃▄▅▆▇█';
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
/**
 * One line of 24 bars a date (00 to 23 UTC, scaled to the busiest hour of all dates so dates
 * compare), the day's total and its busiest hour, and an hour axis under them. Plain text, so it
 * reads the same in a terminal, a log and a job summary.
 */
function hourChart(counts, opts = {}) {
    const pad = opts.indent ?? '';
    const dates = Object.keys(counts).sort();
    if (dates.length === 0)
        return [];
    let max = 0;
    for (const d of dates)
        for (const h of HOURS)
            max = Math.max(max, counts[d][h] ?? 0);
    if (max === 0)
        return [];
    const lines = [`${pad}${opts.title ?? 'havenots by the hour their raw crash was saved (UTC)'}; █ = ${max.toLocaleString('en-US')}`];
    for (const d of dates) {
        const row = HOURS.map((h) => {
            const n = counts[d][h] ?? 0;
            // A non-zero hour always shows: the first block, however small its share.
            return n === 0 ? '·' : BLOCKS[Math.max(1, Math.round((n / max) * 8))];
        }).join('');
        const day = counts[d];
        const total = HOURS.reduce((s, h) => s + (day[h] ?? 0), 0);
        const peak = HOURS.reduce((best, h) => ((day[h] ?? 0) > (day[best] ?? 0) ? h : best), HOURS[0]);
        lines.push(`${pad}${d} ${row} ${total.toLocaleString('en-US')} (most at ${peak}:00, ${(day[peak] ?? 0).toLocaleString('en-US')})`);
    }
    lines.push(`${pad}         0     6     12    18  23`);
    return lines;
}

;// CONCATENATED MODULE: ./src/core/id-set.ts

/**
 * murmur3 (32-bit) over the 16 bytes of a packed id. Ids are only checked against the regex, so
 * they need not be uuid4-random: ids differing only in the middle must still spread over a table.
 */
function hashPacked(buf, off) {
    let h = 0;
    for (let i = off; i < off + PACKED_SIZE; i += 4) {
        let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
        k = Math.imul(k, 0xcc9e2d51);
        k = (k << 15) | (k >>> 17);
        h ^= Math.imul(k, 0x1b873593);
        h = (h << 13) | (h >>> 19);
        h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    h ^= PACKED_SIZE;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
}
/**
 * A set of crash ids in insertion order, about 24 bytes an id instead of ~100 for a Set of
 * strings: a million-id havenots file plus its ledger fit in a few tens of MB.
 * Ids must be valid (see crash-id.ts); validation happens where files are read.
 */
class IdSet {
    keys;
    count = 0;
    table; // slot -> index+1, 0 = empty
    mask;
    scratch = new Uint8Array(PACKED_SIZE);
    text = Buffer.alloc(CRASH_ID_LENGTH);
    constructor(expected = 1024) {
        let cap = 1024;
        while (cap < expected * 2)
            cap *= 2;
        this.table = new Uint32Array(cap);
        this.mask = cap - 1;
        this.keys = new Uint8Array(Math.max(expected, 64) * PACKED_SIZE);
    }
    get size() {
        return this.count;
    }
    /** Adds the id; true when it was not there before. */
    add(id) {
        packCrashId(id, this.scratch, 0);
        return this.addPacked(this.scratch, 0);
    }
    has(id) {
        packCrashId(id, this.scratch, 0);
        return this.table[this.find(this.scratch, 0)] !== 0;
    }
    /**
     * Adds the id spelled by the 36 ASCII bytes at `buf[off]`, which must be a valid crash id
     * (isCrashIdAt): how files are read without making a string per line.
     */
    addBytes(buf, off) {
        packCrashIdBytes(buf, off, this.scratch);
        return this.addPacked(this.scratch, 0);
    }
    /** Adds the `index`-th id of another set, with no string in between. */
    addFrom(src, index) {
        return this.addPacked(src.keys, index * PACKED_SIZE);
    }
    /** The insertion index of the id, or -1 when it is not in the set. */
    indexOf(id) {
        packCrashId(id, this.scratch, 0);
        return this.table[this.find(this.scratch, 0)] - 1;
    }
    /** indexOf for the valid crash id spelled by the 36 ASCII bytes at `buf[off]`. */
    indexOfBytes(buf, off) {
        packCrashIdBytes(buf, off, this.scratch);
        return this.table[this.find(this.scratch, 0)] - 1;
    }
    /** Whether the `index`-th id of another set is in this one. */
    hasFrom(src, index) {
        return this.table[this.find(src.keys, index * PACKED_SIZE)] !== 0;
    }
    /** Makes room for `n` ids in all, so a set of known size is not regrown (and copied) on the way. */
    reserve(n) {
        if (n * PACKED_SIZE > this.keys.length) {
            const grown = new Uint8Array(n * PACKED_SIZE);
            grown.set(this.keys.subarray(0, this.count * PACKED_SIZE));
            this.keys = grown;
        }
        let cap = this.table.length;
        while (cap < n * 2)
            cap *= 2;
        if (cap !== this.table.length)
            this.rehash(cap);
    }
    addPacked(buf, off) {
        const slot = this.find(buf, off);
        if (this.table[slot] !== 0)
            return false;
        if ((this.count + 1) * PACKED_SIZE > this.keys.length) {
            const grown = new Uint8Array(this.keys.length * 2);
            grown.set(this.keys);
            // `buf` may be this set's own keys only through addFrom(this, i), which never gets here.
            this.keys = grown;
        }
        this.keys.set(buf.subarray(off, off + PACKED_SIZE), this.count * PACKED_SIZE);
        this.count++;
        this.table[slot] = this.count;
        if (this.count * 2 > this.table.length)
            this.rehash(this.table.length * 2);
        return true;
    }
    /** The ids in insertion order. */
    *[Symbol.iterator]() {
        for (let i = 0; i < this.count; i++)
            yield this.at(i);
    }
    at(index) {
        return unpackCrashId(this.keys, index * PACKED_SIZE, this.text);
    }
    find(buf, off) {
        let slot = hashPacked(buf, off) & this.mask;
        for (;;) {
            const e = this.table[slot];
            if (e === 0)
                return slot;
            const base = (e - 1) * PACKED_SIZE;
            let same = true;
            for (let i = 0; i < PACKED_SIZE; i++) {
                if (this.keys[base + i] !== buf[off + i]) {
                    same = false;
                    break;
                }
            }
            if (same)
                return slot;
            slot = (slot + 1) & this.mask;
        }
    }
    rehash(size) {
        this.table = new Uint32Array(size);
        this.mask = this.table.length - 1;
        for (let i = 0; i < this.count; i++) {
            this.table[this.find(this.keys, i * PACKED_SIZE)] = i + 1;
        }
    }
}
/**
 * Crash ids packed 16 bytes each, appended in any order, then sorted (string order: the packed
 * form sorts like the text) and deduplicated in place. How list holds what it finds: a month of
 * 11 M ids is 176 MB here (twice that while sorting), against ~1.8 GB as an array of strings,
 * each a slice that keeps its whole S3 key alive. With `savedTimes`, each id also keeps the
 * second its raw crash was saved (4 bytes more, 0 when the store did not say), which travels
 * with it through the sort: what check later takes a havenot's hour from.
 */
class PackedIdList {
    buf = new Uint8Array(4096 * PACKED_SIZE);
    times;
    n = 0;
    text = Buffer.alloc(CRASH_ID_LENGTH);
    constructor(opts = {}) {
        if (opts.savedTimes)
            this.times = new Uint32Array(4096);
    }
    get size() {
        return this.n;
    }
    /** Appends a valid crash id (no check here), with its saved time (epoch ms) when the list keeps them. */
    push(id, savedAtMs) {
        if ((this.n + 1) * PACKED_SIZE > this.buf.length) {
            const grown = new Uint8Array(this.buf.length * 2);
            grown.set(this.buf);
            this.buf = grown;
        }
        packCrashId(id, this.buf, this.n * PACKED_SIZE);
        if (this.times) {
            if (this.n === this.times.length) {
                const grown = new Uint32Array(this.times.length * 2);
                grown.set(this.times);
                this.times = grown;
            }
            this.times[this.n] = toSavedSecond(savedAtMs);
        }
        this.n++;
    }
    at(index) {
        return unpackCrashId(this.buf, index * PACKED_SIZE, this.text);
    }
    /** The saved time of the `index`-th id, in whole seconds since the epoch; 0 when unknown (or not kept). */
    savedSecond(index) {
        return this.times ? this.times[index] : 0;
    }
    /** The ids from `start` to `end` (exclusive), as strings, one at a time. */
    *range(start = 0, end = this.n) {
        for (let i = start; i < end; i++)
            yield this.at(i);
    }
    [Symbol.iterator]() {
        return this.range();
    }
    /**
     * Sorts and drops duplicates (a duplicate keeps the saved time of the first one pushed). A
     * counting sort on the first two bytes (crash ids start with uuid4 hex, so the 65,536 buckets
     * are even), then each bucket sorted by the other 14 bytes.
     */
    sortUnique() {
        const n = this.n;
        if (n < 2)
            return;
        const src = this.buf;
        const S = PACKED_SIZE;
        const starts = new Uint32Array(65537);
        for (let i = 0; i < n; i++)
            starts[((src[i * S] << 8) | src[i * S + 1]) + 1]++;
        for (let b = 0; b < 65536; b++)
            starts[b + 1] += starts[b];
        const fill = starts.slice(0, 65536);
        const tmp = new Uint8Array(n * S);
        const times = this.times;
        const tmpTimes = times ? new Uint32Array(n) : undefined;
        for (let i = 0; i < n; i++) {
            const b = (src[i * S] << 8) | src[i * S + 1];
            const at = fill[b]++;
            tmp.set(src.subarray(i * S, i * S + S), at * S);
            if (tmpTimes)
                tmpTimes[at] = times[i];
        }
        // Back into buf, bucket by bucket in order; records that compare equal are dropped.
        const cmp = (a, b) => {
            for (let k = 2; k < S; k++) {
                const d = tmp[a * S + k] - tmp[b * S + k];
                if (d !== 0)
                    return d;
            }
            return 0;
        };
        const order = [];
        let w = 0;
        for (let b = 0; b < 65536; b++) {
            const s = starts[b];
            const e = starts[b + 1];
            if (e === s)
                continue;
            order.length = 0;
            for (let i = s; i < e; i++)
                order.push(i);
            // Array.prototype.sort is stable: of equal ids, the first pushed comes first and stays.
            if (e - s > 1)
                order.sort(cmp);
            let prev = -1;
            for (const r of order) {
                if (prev >= 0 && cmp(prev, r) === 0)
                    continue;
                src.set(tmp.subarray(r * S, r * S + S), w * S);
                if (tmpTimes)
                    times[w] = tmpTimes[r];
                w++;
                prev = r;
            }
        }
        this.n = w;
    }
}
/** Epoch ms as the whole second a saved-times record keeps (0: unknown; 2106 is far off). */
function toSavedSecond(ms) {
    if (ms === undefined || !Number.isFinite(ms) || ms < 1000)
        return 0;
    return Math.min(Math.floor(ms / 1000), 0xfffffffe);
}

;// CONCATENATED MODULE: ./src/core/id-files.ts




/**
 * Reads crash-id files (CRLF, blanks, surrounding spaces and duplicates tolerated) into one
 * IdSet. Every file is read before anything is sent, so a bad line refuses the whole run.
 */
async function readIdFiles(paths, opts = {}, into) {
    let bytes = 0;
    for (const path of paths) {
        try {
            const st = await (0,promises_.stat)(path);
            if (!st.isFile())
                throw new UsageError(`${path}: not a file`);
            bytes += st.size;
        }
        catch (err) {
            if (err instanceof UsageError)
                throw err;
            throw new UsageError(`${path}: no such file`);
        }
    }
    // Sized from the files (37 bytes a line), so a million ids are not regrown and copied on the way.
    const expected = Math.ceil(bytes / (CRASH_ID_LENGTH + 1));
    const ids = into ?? new IdSet(expected);
    if (into)
        into.reserve(into.size + expected);
    const res = { ids, lines: 0, duplicates: 0, invalid: 0 };
    for (const path of paths) {
        const before = res.ids.size + res.duplicates;
        await scanIdLines(path, {
            id(buf, off) {
                res.lines++;
                if (!res.ids.addBytes(buf, off))
                    res.duplicates++;
            },
            other(line, lineNo) {
                res.lines++;
                if (isCrashId(line)) {
                    if (!res.ids.add(line))
                        res.duplicates++;
                    return;
                }
                if (opts.skipInvalid) {
                    res.invalid++;
                    return;
                }
                const shown = line.length > 60 ? line.slice(0, 57) + '...' : line;
                const hint = opts.skipInvalidOption ? ` (use ${opts.skipInvalidOption} to drop such lines)` : '';
                throw new UsageError(`${path}:${lineNo}: "${shown}" is not a crash id${hint}`);
            },
        });
        if (!opts.allowEmpty && res.ids.size + res.duplicates === before) {
            throw new UsageError(`${path}: no crash ids in the file`);
        }
    }
    return res;
}
const READ_SIZE = 1 << 20;
const isAsciiSpace = (c) => c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c;
/**
 * Reads a file line by line as readline does (`\n`, `\r\n` and a lone `\r` end a line; blank lines
 * are skipped but counted), without a string per line: a crash id (the usual line) goes from
 * the read buffer straight to `sink.id`. Anything else is decoded, trimmed like a string and
 * handed to `sink.other`, so odd lines (other whitespace, a byte order mark) behave exactly as
 * before. A throw from the sink stops the read.
 */
async function scanIdLines(path, sink, readSize = READ_SIZE) {
    const fh = await (0,promises_.open)(path, 'r');
    let buf = Buffer.allocUnsafe(readSize);
    let end = 0;
    let lineNo = 0;
    // One line, [s, e) without its `\n`; it may hold lone `\r`s (more lines) and end with the `\r` of a CRLF.
    const line = (s, e) => {
        let a = s;
        let b = e;
        if (b > a && buf[b - 1] === 0x0d)
            b--;
        while (a < b && isAsciiSpace(buf[a]))
            a++;
        while (b > a && isAsciiSpace(buf[b - 1]))
            b--;
        if (b - a === CRASH_ID_LENGTH && isCrashIdAt(buf, a)) {
            lineNo++;
            sink.id(buf, a);
            return;
        }
        if (a === b) {
            lineNo++;
            return;
        }
        // The slow path: decode, split on lone CRs (a CR just before the LF is part of the break).
        const pieces = buf.toString('utf8', s, e).split('\r');
        if (buf[e - 1] === 0x0d)
            pieces.pop();
        for (const raw of pieces) {
            lineNo++;
            const t = raw.trim();
            if (t !== '')
                sink.other(t, lineNo);
        }
    };
    try {
        for (;;) {
            if (end === buf.length) {
                // A line longer than the buffer: make room for the rest of it.
                const bigger = Buffer.allocUnsafe(buf.length * 2);
                buf.copy(bigger, 0, 0, end);
                buf = bigger;
            }
            const { bytesRead } = await fh.read(buf, end, buf.length - end, null);
            const eof = bytesRead === 0;
            end += bytesRead;
            let s = 0;
            for (;;) {
                const nl = buf.indexOf(0x0a, s);
                if (nl < 0 || nl >= end)
                    break;
                line(s, nl);
                s = nl + 1;
            }
            if (eof) {
                if (s < end)
                    line(s, end);
                return;
            }
            // Keep the unfinished line; a CR at the very end may yet be the first half of a CRLF.
            buf.copy(buf, 0, s, end);
            end -= s;
        }
    }
    finally {
        await fh.close();
    }
}
/**
 * Writes all of `text`: a write may be short (a file size limit, a nearly full disk), and one
 * that is not repeated would leave the file cut without an error.
 */
async function writeAll(fh, text) {
    const buf = Buffer.from(text);
    for (let off = 0; off < buf.length;) {
        const { bytesWritten } = await fh.write(buf, off, buf.length - off);
        off += bytesWritten;
    }
}
/** Writes a whole file atomically (temp file, then rename): readers never see half of it. */
async function writeIdsAtomic(path, ids) {
    const tmp = `${path}.tmp-${process.pid}`;
    const fh = await (0,promises_.open)(tmp, 'w');
    try {
        let buf = [];
        for (const id of ids) {
            buf.push(id);
            if (buf.length >= 8192) {
                await writeAll(fh, buf.join('\n') + '\n');
                buf = [];
            }
        }
        if (buf.length)
            await writeAll(fh, buf.join('\n') + '\n');
    }
    finally {
        await fh.close();
    }
    await (0,promises_.rename)(tmp, path);
}
/** Writes a small text file atomically (temp file, then rename). */
async function writeTextAtomic(path, text) {
    const tmp = `${path}.tmp-${process.pid}`;
    const fh = await (0,promises_.open)(tmp, 'w');
    try {
        await writeAll(fh, text);
    }
    finally {
        await fh.close();
    }
    await (0,promises_.rename)(tmp, path);
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/core/saved-times.ts




/**
 * The saved times of an id file that `list` wrote: a sidecar of the same stem
 * (`chunks/uuids-0-50000.txt` → `chunks/uuids-0-50000.saved-times`), so check takes a havenot's
 * hour from the listing instead of asking the store for it (one request an id), while the id
 * file itself stays one crash id a line for the scripts that read it.
 *
 * Layout: a fixed header, then one little-endian uint32 a line of the id file, in its order: the
 * second (since the epoch, UTC) the raw crash was saved, 0 when the listing did not say. Four
 * bytes an id: a month of 11 M ids is 44 MB beside 407 MB of ids. The header holds the number of
 * ids and the SHA-256 of the id file's bytes: a sidecar whose id file was edited since (or that
 * sits beside another file of the same name) does not match it, and is not used.
 */
const SAVED_TIMES_EXT = '.saved-times';
const MAGIC = Buffer.from('socorro-reprocess saved-times 1\n', 'latin1'); // 32 bytes
const HEADER_SIZE = MAGIC.length + 4 + 32;
const BATCH = 8192;
/** A line of an id file list wrote: the id and its newline. */
const LINE = CRASH_ID_LENGTH + 1;
/** In a SavedTimes array: an id no sidecar covers (its hour may be looked up). */
const NOT_COVERED = 0xffffffff;
/** The sidecar of an id file. */
function savedTimesFile(idFile) {
    return (idFile.endsWith('.txt') ? idFile.slice(0, -4) : idFile) + SAVED_TIMES_EXT;
}
/**
 * The id files among `paths`: a sidecar named beside its own id file (`check chunks/*`) is left
 * out, as it is read with that file; a sidecar named alone is a usage error.
 */
function idFilesOf(paths) {
    const named = new Set(paths);
    return paths.filter((p) => {
        if (!p.endsWith(SAVED_TIMES_EXT))
            return true;
        const idFile = p.slice(0, -SAVED_TIMES_EXT.length) + '.txt';
        if (named.has(idFile))
            return false;
        throw new UsageError(`${p}: the saved times of ${idFile}, not an id file; give ${idFile}`);
    });
}
/**
 * Writes `list`'s ids `start`..`end` as an id file (one id a line), and their saved times as its
 * sidecar; both atomically (temp file, then rename), the id file last.
 */
async function writeIdsWithSavedTimes(path, list, start = 0, end = list.size) {
    const tmp = `${path}.tmp-${process.pid}`;
    const side = savedTimesFile(path);
    const sideTmp = `${side}.tmp-${process.pid}`;
    const hash = (0,external_node_crypto_.createHash)('sha256');
    const fh = await (0,promises_.open)(tmp, 'w');
    const sh = await (0,promises_.open)(sideTmp, 'w');
    try {
        // The header's count and digest are known at the end: room for it first, filled in last.
        await sh.write(Buffer.alloc(HEADER_SIZE), 0, HEADER_SIZE, 0);
        let pos = HEADER_SIZE;
        const times = Buffer.allocUnsafe(BATCH * 4);
        for (let i = start; i < end; i += BATCH) {
            const stop = Math.min(i + BATCH, end);
            const lines = [];
            for (let j = i; j < stop; j++) {
                lines.push(list.at(j));
                times.writeUInt32LE(list.savedSecond(j), (j - i) * 4);
            }
            const text = Buffer.from(lines.join('\n') + '\n', 'latin1');
            hash.update(text);
            for (let off = 0; off < text.length;)
                off += (await fh.write(text, off, text.length - off)).bytesWritten;
            const bytes = (stop - i) * 4;
            for (let off = 0; off < bytes;) {
                const { bytesWritten } = await sh.write(times, off, bytes - off, pos);
                off += bytesWritten;
                pos += bytesWritten;
            }
        }
        const header = Buffer.alloc(HEADER_SIZE);
        MAGIC.copy(header, 0);
        header.writeUInt32LE(end - start, MAGIC.length);
        hash.digest().copy(header, MAGIC.length + 4);
        await sh.write(header, 0, HEADER_SIZE, 0);
    }
    finally {
        await fh.close();
        await sh.close();
    }
    await (0,promises_.rename)(sideTmp, side);
    await (0,promises_.rename)(tmp, path);
}
/** The header of a sidecar: its id count and digest; undefined when it is not one (or is cut). */
async function readHeader(path) {
    const fh = await (0,promises_.open)(path, 'r');
    try {
        const { size } = await fh.stat();
        if (size < HEADER_SIZE)
            return undefined;
        const header = Buffer.alloc(HEADER_SIZE);
        await fh.read(header, 0, HEADER_SIZE, 0);
        if (!header.subarray(0, MAGIC.length).equals(MAGIC))
            return undefined;
        const count = header.readUInt32LE(MAGIC.length);
        if (size !== HEADER_SIZE + count * 4)
            return undefined;
        return { count, digest: header.subarray(MAGIC.length + 4), size };
    }
    finally {
        await fh.close();
    }
}
/**
 * Reads the sidecar beside each of `files` (if any) into times for `ids`, the set those files
 * were read into. A sidecar counts only when its digest is that of its id file, which is then
 * exactly what list wrote: `count` lines of one id and a newline, the n-th line's time the n-th.
 */
async function readSavedTimes(files, ids) {
    let saved;
    const stale = [];
    for (const file of files) {
        const side = savedTimesFile(file);
        if (side === file || !(await (0,promises_.stat)(side).then((st) => st.isFile(), () => false)))
            continue;
        const header = await readHeader(side);
        const size = (await (0,promises_.stat)(file)).size;
        if (!header || size !== header.count * LINE) {
            stale.push(side);
            continue;
        }
        // One pass over the id file: its digest, and where each line's time goes. The times are
        // taken only when the digest is the one list wrote (until then a line may not be an id).
        const hash = (0,external_node_crypto_.createHash)('sha256');
        const at = new Int32Array(header.count);
        const secs = new Uint32Array(header.count);
        const idf = await (0,promises_.open)(file, 'r');
        const sf = await (0,promises_.open)(side, 'r');
        try {
            const idBuf = Buffer.allocUnsafe(BATCH * LINE);
            const tBuf = Buffer.allocUnsafe(BATCH * 4);
            for (let n = 0; n < header.count; n += BATCH) {
                const k = Math.min(BATCH, header.count - n);
                await readFully(idf, idBuf, k * LINE, n * LINE);
                await readFully(sf, tBuf, k * 4, HEADER_SIZE + n * 4);
                hash.update(idBuf.subarray(0, k * LINE));
                for (let j = 0; j < k; j++) {
                    at[n + j] = ids.indexOfBytes(idBuf, j * LINE);
                    secs[n + j] = tBuf.readUInt32LE(j * 4);
                }
            }
        }
        finally {
            await idf.close();
            await sf.close();
        }
        if (!hash.digest().equals(header.digest)) {
            stale.push(side);
            continue;
        }
        saved ??= { times: new Uint32Array(ids.size).fill(NOT_COVERED), covered: 0 };
        for (let j = 0; j < header.count; j++) {
            const i = at[j];
            if (i < 0 || saved.times[i] !== NOT_COVERED)
                continue;
            saved.times[i] = secs[j];
            saved.covered++;
        }
    }
    return { saved, stale };
}
async function readFully(fh, buf, length, position) {
    for (let off = 0; off < length;) {
        const { bytesRead } = await fh.read(buf, off, length - off, position + off);
        if (bytesRead === 0)
            throw new Error('the file was cut while it was read');
        off += bytesRead;
    }
}

;// CONCATENATED MODULE: ./src/core/ledger.ts




/**
 * An append-once id file: haves.txt, havenots.txt, reprocessed.txt (the ledger), rejected.txt.
 * The one place those files are written. Each append is a single write of whole lines, and a
 * torn last line (a kill mid-write) is cut off when the file is opened, so a rerun sees only
 * complete ids and never writes one twice.
 */
class AppendOnceFile {
    path;
    ids;
    fh;
    /** Lines in the existing file that were not crash ids (kept, never rewritten). */
    foreignLines;
    constructor(path, ids, foreignLines) {
        this.path = path;
        this.ids = ids;
        this.foreignLines = foreignLines;
    }
    /**
     * Loads the file if it exists. Nothing is created until the first append (or `touch`), so a
     * run refused for bad input leaves no file behind.
     */
    static async open(path) {
        const ids = new IdSet();
        let foreign = 0;
        let exists = true;
        try {
            await repairTornTail(path);
        }
        catch (err) {
            if (err.code !== 'ENOENT')
                throw err;
            exists = false;
        }
        if (exists) {
            ids.reserve(Math.ceil((await (0,promises_.stat)(path)).size / 37));
            await scanIdLines(path, {
                id: (buf, off) => void ids.addBytes(buf, off),
                other(line) {
                    if (isCrashId(line))
                        ids.add(line);
                    else
                        foreign++;
                },
            });
        }
        return new AppendOnceFile(path, ids, foreign);
    }
    /** Creates the file if it is missing (an empty havenots.txt says "none", a missing one says "not run"). */
    async touch() {
        this.fh ??= await (0,promises_.open)(this.path, 'a');
    }
    get size() {
        return this.ids.size;
    }
    has(id) {
        return this.ids.has(id);
    }
    /** Appends the ids not yet in the file, in one write; returns how many were new. */
    async append(ids, sync = false) {
        const fresh = [];
        for (const id of ids)
            if (this.ids.add(id))
                fresh.push(id);
        if (fresh.length === 0)
            return 0;
        this.fh ??= await (0,promises_.open)(this.path, 'a');
        await writeAll(this.fh, fresh.join('\n') + '\n');
        if (sync)
            await this.fh.datasync();
        return fresh.length;
    }
    async close() {
        await this.fh?.close();
        this.fh = undefined;
    }
}
/** Cuts anything after the last newline: a torn line from a writer that was killed. */
async function repairTornTail(path) {
    const fh = await (0,promises_.open)(path, 'r+');
    try {
        const { size } = await fh.stat();
        if (size === 0)
            return;
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a)
            await fh.truncate(await lastNewlineBefore(fh, size));
    }
    finally {
        await fh.close();
    }
}
async function lastNewlineBefore(fh, size) {
    const step = 65536;
    for (let end = size; end > 0; end -= step) {
        const start = Math.max(0, end - step);
        const buf = Buffer.alloc(end - start);
        await fh.read(buf, 0, buf.length, start);
        const nl = buf.lastIndexOf(0x0a);
        if (nl >= 0)
            return start + nl + 1;
    }
    return 0;
}
/**
 * havenots.tsv, beside havenots.txt: a line for each havenot, `crash id<TAB>saved (ISO, or -)<TAB>
 * reason`, written before the id reaches havenots.txt, so every havenot has its line (the last
 * one counts when a rerun wrote one again). What the hour chart and havenots-hours.json are
 * made from, and a file a person can read.
 */
class HavenotDetails {
    path;
    entries = new Map();
    fh;
    constructor(path) {
        this.path = path;
    }
    static async open(path) {
        const d = new HavenotDetails(path);
        let text;
        try {
            await repairTornTail(path);
            text = await (0,promises_.readFile)(path, 'utf8');
        }
        catch (err) {
            if (err.code !== 'ENOENT')
                throw err;
            return d;
        }
        for (const line of text.split('\n')) {
            const [id, saved, reason] = line.split('\t');
            if (!id || !isCrashId(id) || (reason !== 'not-in-storage' && reason !== 'not-searchable'))
                continue;
            const t = saved && saved !== '-' ? Date.parse(saved) : NaN;
            d.entries.set(id, { savedAt: Number.isFinite(t) ? t : undefined, reason });
        }
        return d;
    }
    /** The line for a havenot; record it with `append`. */
    line(id, detail) {
        this.entries.set(id, detail);
        return `${id}\t${detail.savedAt === undefined ? '-' : new Date(detail.savedAt).toISOString()}\t${detail.reason}`;
    }
    async append(lines) {
        if (lines.length === 0)
            return 0;
        this.fh ??= await (0,promises_.open)(this.path, 'a');
        await writeAll(this.fh, lines.join('\n') + '\n');
        return lines.length;
    }
    async touch() {
        this.fh ??= await (0,promises_.open)(this.path, 'a');
    }
    async close() {
        await this.fh?.close();
        this.fh = undefined;
    }
}
/**
 * Batches appends to several files: one write per file every `everyMs` or per
 * `maxPending` ids, never one per id, and never two at once. A failed write (disk full, EIO) is
 * not thrown from a timer, where it would crash the process: it is kept as `failure`, reported
 * once through `onFailure`, and no later write is tried, so what is on disk stays whole lines.
 */
class BatchedAppender {
    files;
    pending;
    pendingCount = 0;
    writing = Promise.resolve();
    timer;
    maxPending;
    onFailure;
    failed;
    closed = false;
    constructor(files, opts = {}) {
        this.files = files;
        this.pending = files.map(() => []);
        this.maxPending = opts.maxPending ?? 1000;
        this.onFailure = opts.onFailure;
        this.timer = setInterval(() => void this.flush(), opts.everyMs ?? 1000);
        this.timer.unref();
    }
    /** The first write that failed; nothing is written after it. */
    get failure() {
        return this.failed;
    }
    /** Queues `id` for file `file` (an index into the constructor's files). */
    add(file, id) {
        if (this.closed)
            throw new Error('BatchedAppender: add after close');
        this.pending[file].push(id);
        if (++this.pendingCount >= this.maxPending)
            void this.flush();
    }
    /** Writes what is queued; resolves when it is on disk (or failed: see `failure`). Never rejects. */
    flush() {
        const batches = this.pending;
        this.pending = this.files.map(() => []);
        this.pendingCount = 0;
        this.writing = this.writing.then(async () => {
            if (this.failed)
                return;
            try {
                for (const [i, ids] of batches.entries())
                    if (ids.length)
                        await this.files[i].append(ids);
            }
            catch (err) {
                this.failed = err instanceof Error ? err : new Error(String(err));
                this.onFailure?.(this.failed);
            }
        });
        return this.writing;
    }
    /** Stops the timer, writes the rest, and closes the files. Returns the failure, if any. */
    async close() {
        this.closed = true;
        clearInterval(this.timer);
        await this.flush();
        for (const f of this.files) {
            try {
                if (!this.failed)
                    await f.touch();
                await f.close();
            }
            catch (err) {
                this.failed ??= err instanceof Error ? err : new Error(String(err));
            }
        }
        return this.failed;
    }
}

;// CONCATENATED MODULE: ./src/core/pool.ts
/**
 * Runs `work` over `items` with at most `concurrency` at a time, pulling items one by one (a
 * month has millions of ids, none is queued ahead). The width can be changed while it runs,
 * which is how check slows down when S3 throttles: a narrower pool lets lanes finish, a wider
 * one starts more. Stops taking new items once `signal` aborts or a `work` throws (it then
 * waits for the items in flight and throws the first error).
 *
 * No queue library: each lane is one async loop, so an item costs one call of `work` and
 * nothing else (no task object, no promise per item beyond `work`'s own, no events).
 */
function forEachPooled(items, concurrency, work, opts = {}) {
    const it = items[Symbol.iterator]();
    let width = Math.max(1, Math.floor(concurrency));
    let active = 0;
    let exhausted = false;
    let failed = false;
    let failure;
    return new Promise((resolve, reject) => {
        const stopped = () => failed || exhausted || opts.signal?.aborted === true;
        const settle = () => {
            if (active > 0 || !stopped())
                return;
            if (failed)
                reject(failure instanceof Error ? failure : new Error(String(failure)));
            else
                resolve();
        };
        const fail = (err) => {
            if (!failed) {
                failed = true;
                failure = err;
            }
        };
        const lane = async () => {
            active++;
            try {
                // A lane leaves when the pool got narrower than the lanes running.
                while (!stopped() && active <= width) {
                    let next;
                    try {
                        next = it.next();
                    }
                    catch (err) {
                        fail(err);
                        break;
                    }
                    if (next.done) {
                        exhausted = true;
                        break;
                    }
                    try {
                        await work(next.value);
                    }
                    catch (err) {
                        fail(err);
                    }
                }
            }
            finally {
                active--;
                settle();
            }
        };
        const widen = () => {
            while (active < width && !stopped())
                void lane();
        };
        opts.onQueue?.({
            get concurrency() {
                return width;
            },
            set concurrency(n) {
                width = Math.max(1, Math.floor(n));
                widen();
            },
        });
        widen();
        settle();
    });
}
/**
 * Like forEachPooled, over a queue that `work` may add to (`more`): a listing that finds a slice
 * denser than one walk can page through quickly hands back the rest of it in pieces. Items run
 * in the order they were queued; it ends when the queue is empty and nothing is in flight, or at
 * the first failure (after the items in flight, which may no longer add any).
 */
function forEachQueued(initial, concurrency, work) {
    const queue = [...initial];
    let head = 0;
    const width = Math.max(1, Math.floor(concurrency));
    let active = 0;
    let failed = false;
    let failure;
    return new Promise((resolve, reject) => {
        const more = (items) => {
            if (failed)
                return;
            for (const x of items)
                queue.push(x);
            widen();
        };
        const settle = () => {
            if (active > 0 || (!failed && head < queue.length))
                return;
            if (failed)
                reject(failure instanceof Error ? failure : new Error(String(failure)));
            else
                resolve();
        };
        const lane = async () => {
            active++;
            try {
                while (!failed && head < queue.length) {
                    const item = queue[head];
                    // Let go of what was taken: a month's walk queues thousands of slices.
                    queue[head++] = undefined;
                    if (head > 1024 && head * 2 > queue.length) {
                        queue.splice(0, head);
                        head = 0;
                    }
                    try {
                        await work(item, more);
                    }
                    catch (err) {
                        if (!failed) {
                            failed = true;
                            failure = err;
                        }
                    }
                }
            }
            finally {
                active--;
                settle();
            }
        };
        const widen = () => {
            while (active < width && !failed && head < queue.length)
                void lane();
        };
        widen();
        settle();
    });
}
/**
 * Additive-increase / multiplicative-decrease on the pool's width: S3 answers SlowDown per
 * prefix, and every check job shares `v1/processed_crash/`, so backing off is the only way
 * to finish instead of burning retries.
 *
 * It starts narrow and doubles the width every round trip (one more lane per success) until the
 * first throttle or the maximum, as TCP's slow start does: eight or sixteen jobs starting at
 * once at their full width would send thousands of requests into a limit of a few hundred a
 * second, and the ids throttled in that storm would carry long backoffs into the rest of the run.
 */
class Aimd {
    limit;
    lastCut = -Infinity;
    slowStart = true;
    max;
    min;
    apply;
    now;
    constructor(max, apply, opts = {}) {
        this.max = max;
        this.min = opts.min ?? 1;
        this.limit = Math.max(this.min, Math.min(max, opts.initial ?? max));
        this.slowStart = this.limit < max;
        this.apply = apply;
        this.now = opts.now ?? Date.now;
    }
    get current() {
        return Math.floor(this.limit);
    }
    success() {
        if (this.limit >= this.max)
            return;
        const before = Math.floor(this.limit);
        this.limit = Math.min(this.max, this.limit + (this.slowStart ? 1 : 1 / Math.max(1, this.limit)));
        if (Math.floor(this.limit) !== before)
            this.apply(Math.floor(this.limit));
    }
    /** One cut per 200 ms: a burst of in-flight SlowDowns is one signal, not fifty. */
    throttled() {
        this.slowStart = false;
        const now = this.now();
        if (now - this.lastCut < 200)
            return;
        this.lastCut = now;
        this.limit = Math.max(this.min, this.limit * 0.6);
        this.apply(Math.floor(this.limit));
    }
}

;// CONCATENATED MODULE: ./src/core/rate-limit.ts
/**
 * Keeps requests under a per-minute limit by spacing them evenly: each caller of `take` gets the
 * next free slot and waits for it. Socorro limits its API per client IP and per fixed minute
 * (1000 a minute with a token, 100 without); a share of that limit is asked for, so that
 * another tool on the same address, or the clock's edge of a window, does not tip it into 429s.
 *
 * The published limit is not always the one in force (a proxy, another client on the address, a
 * lowered setting), so the pace learns. A 429 says the window is spent: the pace halves, and
 * requests are held while one probe at a time asks whether the window has ended (after the
 * server's Retry-After, else after 1 s, 2 s, 4 s… up to `holdMs`). Its first answer without a 429
 * lets them go at the new pace; each such answer wins back 1/200 of the configured rate, never
 * more than that rate. So a run meets a few 429s when its limit turns out lower, not one in three.
 */
class RateLimiter {
    maxPerMinute;
    clock;
    holdMs;
    perMinute;
    nextAt = -Infinity;
    pace = 0;
    /** While held: when the next probe may go (Infinity while one is out). */
    heldUntil = -Infinity;
    held = false;
    probeDelayMs = 0;
    release = new AbortController();
    /** 429s that cut the pace. */
    cuts = 0;
    /** `holdMs`: the longest wait between probes; Socorro's windows are fixed minutes. */
    constructor(perMinute, clock, holdMs = 60_000) {
        this.maxPerMinute = perMinute;
        this.perMinute = perMinute;
        this.clock = clock;
        this.holdMs = holdMs;
    }
    /** The pace now, in requests a minute. */
    get rate() {
        return this.perMinute;
    }
    /** Waits for this caller's slot (cut short by `signal`: then it resolves at once, and nothing should be sent). */
    async take(signal) {
        for (;;) {
            if (signal?.aborted)
                return { pace: this.pace, probe: false };
            const now = this.clock.now();
            if (this.held) {
                if (this.heldUntil <= now) {
                    this.heldUntil = Infinity;
                    return { pace: this.pace, probe: true };
                }
                const wake = AbortSignal.any([this.release.signal, ...(signal ? [signal] : [])]);
                await this.clock.sleep(Number.isFinite(this.heldUntil) ? this.heldUntil - now : this.holdMs, wake);
                continue;
            }
            const pace = this.pace;
            const at = Math.max(now, this.nextAt);
            this.nextAt = at + 60_000 / this.perMinute;
            if (at > now)
                await this.clock.sleep(at - now, signal);
            // A slot handed out before a cut is not used while the cut holds requests back.
            if (pace === this.pace || !this.held)
                return { pace: this.pace, probe: false };
        }
    }
    /** What the request of `ticket` met: a 429, with the server's Retry-After when it sent one, or any other answer. */
    answered(ticket, throttled, retryAfterMs) {
        const now = this.clock.now();
        if (throttled) {
            if (ticket.probe) {
                // The window has not ended yet: wait longer before the next probe.
                this.probeDelayMs = Math.min(this.holdMs, retryAfterMs ?? this.probeDelayMs * 2);
                this.heldUntil = now + this.probeDelayMs;
                this.wake();
                return;
            }
            // Requests in flight at an older pace met the same spent window: they say nothing new.
            if (ticket.pace !== this.pace || this.held)
                return;
            this.pace++;
            this.cuts++;
            this.perMinute = Math.max(this.perMinute / 2, Math.min(1, this.maxPerMinute));
            this.held = true;
            this.probeDelayMs = Math.min(this.holdMs, retryAfterMs ?? 1000);
            this.heldUntil = now + this.probeDelayMs;
            return;
        }
        if (this.held) {
            this.held = false;
            this.nextAt = now;
            this.wake();
        }
        this.perMinute = Math.min(this.maxPerMinute, this.perMinute + this.maxPerMinute / 200);
    }
    wake() {
        this.release.abort();
        this.release = new AbortController();
    }
}
/** The most times one search is sent when it keeps meeting 429s (as the API's retry policy allows). */
const THROTTLED_ATTEMPTS = 9;
/**
 * Sends one request in a slot of `limiter`; a 429 goes back to the limiter, which holds, and the
 * request is sent again in a later slot, at most THROTTLED_ATTEMPTS times in all. Resolves with
 * the last answer, or undefined when `signal` stopped it before it was sent.
 */
async function paced(limiter, send, signal) {
    for (let attempt = 1;; attempt++) {
        const ticket = await limiter.take(signal);
        if (signal?.aborted)
            return undefined;
        const a = await send();
        const throttled = a.status === 429;
        limiter.answered(ticket, throttled, a.retryAfterMs);
        if (!throttled || attempt >= THROTTLED_ATTEMPTS)
            return a;
    }
}
/** Socorro's API limits per client IP, a minute: with a token and without. */
const API_LIMIT_PER_MINUTE = { withToken: 1000, anonymous: 100 };
/** The share of the limit a run asks for. */
const API_LIMIT_SHARE = 0.9;

;// CONCATENATED MODULE: ./src/core/retry.ts
/** HEADs: the pool retries an id quickly; throttling narrows the pool rather than lengthening the wait. */
const HEAD_RETRY = { attempts: 10, baseMs: 100, capMs: 10_000, throttledAttempts: 40, throttledCapMs: 1000 };
/** Listing pages: a store that stays unhealthy for a minute or so is ridden out. */
const LIST_RETRY = { attempts: 8, baseMs: 500, capMs: 20_000 };
/** Socorro's API (Reprocessing and SuperSearch): slower, and it sends Retry-After with its 429s. */
const API_RETRY = { attempts: 9, baseMs: 1000, capMs: 60_000 };
/** The delay before retry number `attempt` (1 = the first retry). */
function backoffMs(policy, attempt, retryAfterMs, random = Math.random) {
    if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs))
        return Math.min(Math.max(retryAfterMs, 0), policy.capMs);
    const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(random() * ceiling);
}
/** Retry-After (seconds, or an HTTP date) as milliseconds from `now`; undefined when absent or unreadable. */
function parseRetryAfter(value, now) {
    const v = Array.isArray(value) ? value[0] : value;
    if (v === undefined || v.trim() === '')
        return undefined;
    const secs = Number(v);
    if (Number.isFinite(secs))
        return Math.max(0, secs * 1000);
    const at = Date.parse(v);
    return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
/**
 * Runs `fn` until it succeeds, fails with something not retryable, or uses up the policy's
 * attempts (then the last failure is thrown). An abort stops the waiting and throws the last failure.
 */
async function withRetries(fn, opts) {
    for (let attempt = 1;; attempt++) {
        try {
            return await fn(attempt);
        }
        catch (err) {
            if (attempt >= opts.policy.attempts || !opts.retryable(err) || opts.signal?.aborted)
                throw err;
            const wait = backoffMs(opts.policy, attempt, undefined, opts.random);
            opts.onRetry?.(err, attempt, wait);
            await opts.clock.sleep(wait, opts.signal);
            if (opts.signal?.aborted)
                throw err;
        }
    }
}

;// CONCATENATED MODULE: ./src/core/search.ts

/**
 * Socorro's search index, as the check asks it: which of these crash ids does Elasticsearch
 * have? The rules that keep a healthy crash from passing as unindexed live here:
 * - without a `date` filter SuperSearch searches only the last 7 days, so every request names a
 *   window: the ids' date ± 5 days (a crash can be processed the day after its id's date);
 * - a request answers at most `_results_number` hits (default 100): it is set to the ids asked;
 * - search data is kept 26 weeks: older dates cannot be searched, and storage alone decides;
 * - the request line is limited (gunicorn's 4094 bytes in front of Socorro's webapp), so a
 *   request takes as many ids as fit, at most 100.
 */
/** Socorro deletes search indices older than this. */
const SEARCH_RETENTION_DAYS = 26 * 7;
const MAX_IDS_PER_SEARCH = 100;
/** What a request line may take (gunicorn's default limit is 4094), with room for the method and version. */
const REQUEST_LINE_BUDGET = 4000;
const SEARCH_WINDOW_DAYS = 5;
const DAY_MS = 86_400_000;
/** `YYYY-MM-DD` of YYYYMMDD moved by `days`. */
function shiftDay(yyyymmdd, days) {
    const t = Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) + days * DAY_MS;
    return new Date(t).toISOString().slice(0, 10);
}
/** The date window of a search for ids of crash date `yyyymmdd`. */
function searchWindow(yyyymmdd) {
    return { from: shiftDay(yyyymmdd, -SEARCH_WINDOW_DAYS), to: shiftDay(yyyymmdd, SEARCH_WINDOW_DAYS) };
}
/** Whether search still has crashes of this date (YYYYMMDD), on `now`'s day. */
function searchable(yyyymmdd, now) {
    const day = Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8)));
    return now - day < SEARCH_RETENTION_DAYS * DAY_MS;
}
/**
 * The query string of a search for `ids` (all of one crash date): repeated `uuid`, the window,
 * only the uuid column, no facets, and enough results for every id. `variant` changes the
 * query's cache key without changing its meaning (Socorro caches a search for 5 minutes by its
 * parameters, which would show a poll a stale answer).
 */
function searchQuery(ids, variant = 0) {
    const { from, to } = searchWindow(crashIdDate(ids[0]));
    const q = new URLSearchParams();
    for (const id of ids)
        q.append('uuid', id);
    q.append('date', `>=${from}`);
    q.append('date', `<=${to}`);
    q.append('_columns', 'uuid');
    q.append('_facets_size', '0');
    q.append('_results_number', String(Math.min(1000, ids.length + variant)));
    return q.toString();
}
/** How many ids a request for `path` can take: as many as fit the request line, at most 100. */
function idsPerSearch(path) {
    // GET <path>?<query> HTTP/1.1: each uuid costs `uuid=` + 36 + `&`; the fixed part is measured.
    const fixed = `GET ${path}?${searchQuery(['00000000-0000-0000-0000-000000250101'], 999).replace(/uuid=[^&]+&/, '')} HTTP/1.1`.length;
    return Math.max(1, Math.min(MAX_IDS_PER_SEARCH, Math.floor((REQUEST_LINE_BUDGET - fixed) / 42)));
}
/**
 * The query string of a date histogram of one crash date's searchable crashes, per hour: what
 * `scan` compares with the listing. SuperSearch (socorro/external/es/supersearch.py) builds the
 * histogram only when facets are built (`_facets_size` > 0: 1, the least), on the fields that
 * `_histogram.date` names (`product`: a small sub-facet in each bucket, required for the
 * histogram to exist at all), with `_histogram_interval.date` as Elasticsearch's calendar
 * interval (`1h`: one bucket an hour) and `min_doc_count: 1`, so an hour with no searchable crash
 * is left out. `_facets=product` replaces the default `signature` facet with a cheap one, and
 * `_results_number=0` returns no hits. `date` is processed_crash.date_processed, the collector's
 * received time; the bounds are the date (or the minutes of `since`/`until` on it), upper bound
 * exclusive, so the next day's midnight is not counted.
 */
function histogramQuery(yyyymmdd, window = {}) {
    const day = shiftDay(yyyymmdd, 0);
    const at = (minutes) => minutes >= 1440 ? shiftDay(yyyymmdd, 1) : `${day}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`;
    const q = new URLSearchParams();
    q.append('date', `>=${window.since ? at(window.since) : day}`);
    // until 16:59 means through 16:59:59.999: below 17:00.
    q.append('date', `<${window.until === undefined ? shiftDay(yyyymmdd, 1) : at(window.until + 1)}`);
    q.append('_histogram.date', 'product');
    q.append('_histogram_interval.date', '1h');
    q.append('_facets', 'product');
    q.append('_facets_size', '1');
    q.append('_columns', 'uuid');
    q.append('_results_number', '0');
    return q.toString();
}
/**
 * Searchable crashes per UTC hour (0..23) of `yyyymmdd` from a SuperSearch answer of
 * histogramQuery; undefined when the answer holds no date histogram (a server that did not build
 * facets: reading that as "none searchable" would claim an outage that is not there).
 */
function histogramHours(answer, yyyymmdd) {
    const buckets = answer?.facets?.histogram_date;
    if (!Array.isArray(buckets))
        return undefined;
    const midnight = Date.parse(`${shiftDay(yyyymmdd, 0)}T00:00:00Z`);
    const hours = new Array(24).fill(0);
    for (const b of buckets) {
        const at = typeof b.term === 'string' ? Date.parse(b.term) : NaN;
        if (!Number.isFinite(at) || typeof b.count !== 'number' || !Number.isInteger(b.count) || b.count < 0)
            return undefined;
        const h = Math.floor((at - midnight) / 3_600_000);
        // Buckets are hours of this date only (the query's bounds); anything else is not ours.
        if (h >= 0 && h < 24)
            hours[h] += b.count;
    }
    return hours;
}

;// CONCATENATED MODULE: ./src/core/classify.ts
/**
 * The one place where an answer of a store or of Socorro's API becomes a verdict. Ports hand in
 * what came over the wire (an HTTP status, and the error code a body or a client library
 * named); modes act on the verdicts only.
 *
 * The rule everything else follows: only a 404 for an object in a bucket known to exist means
 * "not processed". Counting any other failure as a havenot would send healthy crashes to the
 * processing queue, so everything else is found (2xx), a reason to stop, worth another try, or
 * an error for that one id.
 */
/** Error codes (S3's XML `Code`, GCS's `reason`) that decide a failure where the status alone would not. */
const CODE_KINDS = {
    NoSuchBucket: 'no-such-bucket',
    RequestTimeTooSkewed: 'clock-skew',
    SignatureDoesNotMatch: 'signature',
    InvalidAccessKeyId: 'unauthenticated',
    ExpiredToken: 'unauthenticated',
    TokenRefreshRequired: 'unauthenticated',
    InvalidToken: 'unauthenticated',
    SlowDown: 'throttled',
    rateLimitExceeded: 'throttled',
    userRateLimitExceeded: 'throttled',
    authError: 'unauthenticated',
};
function failureOf(status, code) {
    const byCode = code === undefined ? undefined : CODE_KINDS[code];
    if (byCode)
        return byCode;
    if (status === 401)
        return 'unauthenticated';
    if (status === 403)
        return 'forbidden';
    if (status === 429 || status === 503)
        return 'throttled';
    if (status === 0 || status === 408 || status >= 500)
        return 'unavailable';
    return 'rejected';
}
/**
 * An object request's answer. `status` 0 means no HTTP answer (reset, timeout). A 404 is
 * "missing" only as far as the object goes: a HEAD in a bucket that does not exist is a bodyless
 * 404 too, which is why check asks the store about the bucket (a listing) before any HEAD.
 */
function classifyObjectAnswer(status, code) {
    if (status >= 200 && status < 300)
        return 'found';
    if (status === 404 && code !== 'NoSuchBucket')
        return 'missing';
    if (status === 404)
        return 'no-such-bucket';
    return failureOf(status, code);
}
/** A listing's failure: its 404 can only mean the bucket is missing. */
function classifyListFailure(status, code) {
    if (status === 404)
        return 'no-such-bucket';
    return failureOf(status, code);
}
/** Failures a retry may cure. */
function isTransient(kind) {
    return kind === 'throttled' || kind === 'unavailable';
}
/** Failures that say nothing about one crash and would say the same of every other: stop the run. */
function isFatal(kind) {
    return !isTransient(kind) && kind !== 'rejected';
}
function classifySubmit(status) {
    if (status >= 200 && status < 300)
        return 'accepted';
    if (status === 400)
        return 'invalid';
    if (status === 401 || status === 403)
        return 'forbidden';
    return 'error';
}
/** Statuses (and no answer, 0) worth retrying on Socorro's API: rate limits and server trouble. */
function isRetryableApiStatus(status) {
    return status === 0 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}
function classifySearch(status) {
    if (status >= 200 && status < 300)
        return 'answered';
    if (status === 401 || status === 403)
        return 'forbidden';
    return 'error';
}

;// CONCATENATED MODULE: ./src/core/layouts.ts

const LAYOUTS = ['v1', 'v2'];
const HEX = '0123456789abcdef';
/** Every raw-crash prefix that holds crashes of `day`, in key order. */
function rawCrashPrefixes(layout, day) {
    if (layout === 'v1')
        return [`v1/raw_crash/${day}/`];
    const out = [];
    for (const a of HEX)
        for (const b of HEX)
            for (const c of HEX)
                out.push(`v2/raw_crash/${a}${b}${c}/${day}/`);
    return out;
}
/** The raw crash's key of a crash id in a layout (its date from the id, as Socorro files it). */
function rawCrashKey(layout, crashId) {
    const day = '20' + crashId.slice(-6);
    return layout === 'v1' ? `v1/raw_crash/${day}/${crashId}` : `v2/raw_crash/${crashId.slice(0, 3)}/${day}/${crashId}`;
}
/**
 * Where to look for a crash's raw crash in a store: the layouts of the eras its date belongs to
 * first, then the other one (eras are months: a crash of a month of change may be in either).
 */
function rawCrashKeys(store, crashId) {
    const eras = erasOf('20' + crashId.slice(-6)).filter((e) => e.store === store);
    const first = eras.map((e) => e.layout);
    const layouts = store === 'gcs' ? ['v1'] : [...new Set([...first, 'v1', 'v2'])];
    return layouts.map((l) => rawCrashKey(l, crashId));
}
/** Both layouts keep the processed crash at the same key. */
function processedCrashKey(crashId) {
    return `v1/processed_crash/${crashId}`;
}
/** The crash id a raw-crash key names, or undefined for anything else under the prefix. */
function crashIdFromKey(prefix, key) {
    const rest = key.slice(prefix.length);
    return isCrashId(rest) ? rest : undefined;
}
const ERAS = [
    { layout: 'v2', store: 's3', from: '201605', to: '202209', label: 'the v2 layout on S3 (May 2016 – Sep 2022)' },
    { layout: 'v1', store: 's3', from: '202209', to: '202407', label: 'the v1 layout on S3 (Sep 2022 – Jul 2024)' },
    { layout: 'v1', store: 'gcs', from: '202407', label: 'the v1 layout on Google Cloud Storage (since Jul 2024)' },
];
/** The eras a date (YYYYMMDD) may belong to: one, or two in a month of change, none before May 2016. */
function erasOf(day) {
    const month = day.slice(0, 6);
    return ERAS.filter((e) => (e.from === undefined || month >= e.from) && (e.to === undefined || month <= e.to));
}

;// CONCATENATED MODULE: ./src/ports/store.ts
/** A store request that failed, as one of the kinds core/classify.ts defines. */
class StoreError extends Error {
    name = 'StoreError';
    kind;
    /** The HTTP status; 0 when no answer came. */
    status;
    /** The store's error code when it named one (S3 `Code`, GCS `reason`). */
    code;
    constructor(kind, message, opts = {}) {
        super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
        this.kind = kind;
        this.status = opts.status ?? 0;
        this.code = opts.code;
    }
}
/**
 * The sentence a StoreError opens with for a failure of `what` (e.g. "a HEAD of a processed
 * crash"), plus what the store's own port knows to say about it: which permissions, which
 * credentials. Stores build their messages with it so that S3 and GCS read alike.
 */
function storeMessage(store, kind, what, status, detail) {
    const answer = status === 0 ? 'no answer' : `HTTP ${status}`;
    const head = {
        'no-such-bucket': `${store}: no such bucket (${answer} to ${what})`,
        forbidden: `${store} answered 403 Forbidden to ${what}`,
        unauthenticated: `${store} refused the credentials as invalid or expired (${answer} to ${what})`,
        'no-credentials': `${store}: no credentials could be found for ${what}`,
        'clock-skew': `${store} refused ${what}: this machine's clock is too far from the store's (clock skew)`,
        signature: `${store} refused the signature of ${what} (${answer})`,
        throttled: `${store} is throttling requests (${answer} to ${what})`,
        unavailable: `${store} did not answer ${what} usably (${answer})`,
        rejected: `${store} refused ${what} (${answer})`,
    };
    return detail ? `${head[kind]}: ${detail}` : head[kind];
}

;// CONCATENATED MODULE: ./src/modes/probe.ts





/**
 * HEADs one object until the store gives a verdict: found, missing, or a failure that stops the
 * run. Transient failures are retried with the one backoff policy; throttling also narrows the
 * pool (AIMD), because stores throttle per prefix and every check job shares one.
 */
class HeadRetrier {
    store;
    run;
    aimd;
    policy;
    /** The policy's waits after "slow down": the same, up to a shorter cap. */
    throttledPolicy;
    clock;
    random;
    constructor(store, run, aimd, policy, clock, random) {
        this.store = store;
        this.run = run;
        this.aimd = aimd;
        this.policy = policy;
        this.throttledPolicy = { ...policy, capMs: Math.min(policy.capMs, policy.throttledCapMs ?? policy.capMs) };
        this.clock = clock;
        this.random = random;
    }
    /** The processed crash's verdict, or undefined when it got none (attempts used up, or the run stopped). */
    check(id) {
        const key = processedCrashKey(id);
        return this.retry(() => this.store.head(key));
    }
    /**
     * When the raw crash was saved; undefined when it could not be found out, 'refused' when the
     * store refused the read (the credentials grant processed crashes only, as the README's policy
     * does). Never a reason to stop the run.
     */
    async savedAt(id) {
        for (const key of rawCrashKeys(this.store.kind, id)) {
            let refused = false;
            // Only a refusal of this read (403) is "hour unknown"; bad credentials stop the run as anywhere.
            const t = await this.retry(() => this.store.savedAt(key), (e) => (refused = e.kind === 'forbidden'));
            if (refused)
                return 'refused';
            if (typeof t === 'number')
                return t > 0 ? t : undefined;
            if (t === undefined)
                return undefined;
        }
        return undefined;
    }
    /** A fatal answer (refused, no such bucket) stops the run, unless `onFatal` takes it (returns true) for this request only. */
    async retry(ask, onFatal) {
        const { counts: res, stop } = this.run;
        // Failures and throttles have budgets of their own; `attempt` (every try) sets the backoff.
        let failures = 0;
        let throttles = 0;
        const throttleBudget = this.policy.throttledAttempts ?? this.policy.attempts;
        for (let attempt = 1; !stop.signal.aborted; attempt++) {
            const answer = await ask();
            res.requests++;
            if (!(answer instanceof StoreError)) {
                this.aimd.success();
                return answer;
            }
            this.run.lastError = answer.status === 0 ? 'no answer (connection reset or timeout)' : `HTTP ${answer.status}`;
            if (isFatal(answer.kind)) {
                if (!onFatal?.(answer))
                    this.run.fail(answer.message);
                return undefined;
            }
            if (!isTransient(answer.kind))
                return undefined;
            if (answer.kind === 'throttled') {
                res.throttled++;
                this.aimd.throttled();
                if (++throttles >= throttleBudget)
                    return undefined;
            }
            else if (++failures >= this.policy.attempts) {
                return undefined;
            }
            res.retries++;
            await this.clock.sleep(backoffMs(answer.kind === 'throttled' ? this.throttledPolicy : this.policy, attempt, undefined, this.random), stop.signal);
        }
        return undefined;
    }
}
/**
 * A HEAD in a bucket that does not exist is a bodyless 404, the same answer as a crash that was
 * never processed: without this look first, a mistyped bucket would make every id a havenot.
 * One small listing (what the least privilege allows: S3 ListBucket, GCS storage.objects.list)
 * also catches missing permissions and credentials before any HEAD.
 */
async function checkBucket(store, clock) {
    try {
        await withRetries(() => store.listPage({ prefix: 'v1/processed_crash/', maxKeys: 1 }), {
            policy: LIST_RETRY,
            clock,
            retryable: (err) => err instanceof StoreError && isTransient(err.kind),
        });
    }
    catch (err) {
        if (err instanceof StoreError)
            throw new RunError(`${err.message}; nothing was checked`);
        throw err;
    }
}

;// CONCATENATED MODULE: ./src/modes/search-batcher.ts



/**
 * Collects crash ids found in storage into search requests: one crash date a request (the date
 * window is the date's), as many ids as the request line takes, paced by the limiter, a few in
 * flight. `add` waits while too much is queued, so a fast store does not pile ids up in memory
 * ahead of a slow (or rate-limited) search.
 */
class SearchBatcher {
    api;
    limiter;
    onOutcome;
    signal;
    maxInFlight;
    variant;
    byDate = new Map();
    inFlight = new Set();
    requests = 0;
    constructor(api, limiter, onOutcome, opts) {
        this.api = api;
        this.limiter = limiter;
        this.onOutcome = onOutcome;
        this.signal = opts.signal;
        this.maxInFlight = opts.maxInFlight ?? 4;
        this.variant = opts.variant ?? 0;
    }
    /** Queues an id; sends its date's request once it is full. */
    async add(id) {
        const date = crashIdDate(id);
        let batch = this.byDate.get(date);
        if (!batch)
            this.byDate.set(date, (batch = []));
        batch.push(id);
        if (batch.length >= this.api.idsPerSearch) {
            this.byDate.delete(date);
            await this.send(batch);
        }
    }
    /** Sends what is queued and waits for every answer. */
    async drain() {
        for (const [date, batch] of this.byDate) {
            this.byDate.delete(date);
            if (!this.signal.aborted)
                await this.send(batch);
        }
        await Promise.all(this.inFlight);
    }
    async send(ids) {
        // Backpressure: a lane waits for a free slot rather than queueing more ids.
        while (this.inFlight.size >= this.maxInFlight)
            await Promise.race(this.inFlight);
        if (this.signal.aborted)
            return;
        const p = this.ask(ids).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
    }
    async ask(ids) {
        const send = () => {
            this.requests++;
            return this.api.search(ids, this.variant);
        };
        const a = await paced(this.limiter, send, this.signal);
        if (!a)
            return;
        const verdict = classifySearch(a.status);
        if (verdict === 'answered' && a.found)
            return this.onOutcome({ ids, found: a.found });
        const what = a.status === 0 ? `no usable answer (${a.error ?? 'no detail'})` : `HTTP ${a.status} ${a.body.trim().slice(0, 200)}`;
        return this.onOutcome({ ids, failure: what, forbidden: verdict === 'forbidden' });
    }
}

;// CONCATENATED MODULE: ./src/modes/check.ts















const DEFAULT_CHECK_CONCURRENCY = 128;
/** The pool's width at start; it doubles every round trip up to the concurrency asked (see Aimd). */
const SLOW_START_WIDTH = 16;
/** Counters and the stop switch of one check run, shared by its lanes. */
class CheckRun {
    res;
    stop = new AbortController();
    consecutiveFailures = 0;
    lastError = '';
    constructor(res) {
        this.res = res;
    }
    get counts() {
        return this.res;
    }
    /** Stops the run for `why`; the first reason wins. */
    fail(why) {
        this.res.failure ??= why;
        this.stop.abort();
    }
    date(id) {
        return (this.res.byDate[crashIdDate(id)] ??= { haves: 0, havenots: 0, notSearchable: 0 });
    }
}
/**
 * HEADs `v1/processed_crash/{id}` for every id of the input files not already in haves.txt or
 * havenots.txt, and appends each to one of them; with `search`, an id found in storage is a
 * have only if Socorro's search has it too. Only a missing object, or an answer of search that
 * lacks a stored crash, makes a havenot; for each, havenots.tsv says why and when its raw crash
 * was saved, and havenots-hours.json counts them by that hour.
 */
async function runCheck(opts, deps) {
    const { store, reporter } = deps;
    const clock = deps.clock ?? systemClock;
    const t0 = clock.now();
    if (opts.search && !deps.searchApi)
        throw new Error('runCheck: search needs a search API');
    // `check chunks/*` names each chunk's sidecar too: it goes with its id file, not in as one.
    const files = idFilesOf(opts.files);
    // Every input is read and validated before any output file is touched.
    const input = await readIdFiles(files, { skipInvalid: opts.skipInvalid, skipInvalidOption: opts.skipInvalidOption });
    // Chunks from list carry their saved times: a havenot's hour then costs no request.
    const listed = await readSavedTimes(files, input.ids);
    for (const side of listed.stale)
        reporter.warn(`${side}: its id file changed since list wrote it; those havenots' hours are looked up instead`);
    const haves = await AppendOnceFile.open((0,external_node_path_.join)(opts.out, 'haves.txt'));
    const havenots = await AppendOnceFile.open((0,external_node_path_.join)(opts.out, 'havenots.txt'));
    const details = await HavenotDetails.open((0,external_node_path_.join)(opts.out, 'havenots.tsv'));
    const todo = new IdSet(input.ids.size);
    for (let i = 0; i < input.ids.size; i++) {
        if (!haves.ids.hasFrom(input.ids, i) && !havenots.ids.hasFrom(input.ids, i))
            todo.addFrom(input.ids, i);
    }
    const concurrency = opts.concurrency ?? DEFAULT_CHECK_CONCURRENCY;
    const run = new CheckRun({
        input: input.ids.size,
        skipped: input.ids.size - todo.size,
        haves: 0,
        havenots: 0,
        notSearchable: 0,
        errors: 0,
        invalidLines: input.invalid,
        requests: 0,
        retries: 0,
        throttled: 0,
        searched: 0,
        searchRequests: 0,
        pastRetention: [],
        byDate: {},
        hours: {},
        hoursUnknown: 0,
        hourLookups: 0,
        finalConcurrency: concurrency,
        elapsedMs: 0,
    });
    const res = run.res;
    if (input.invalid)
        reporter.warn(`${input.invalid} line(s) that are not crash ids were skipped`);
    if (res.skipped)
        reporter.info(`${res.skipped} id(s) already classified by an earlier run: skipped`);
    // Search keeps 26 weeks of crashes: older dates are decided by storage alone, said once.
    const searchDates = new Set();
    if (opts.search) {
        const past = new Set();
        for (const id of todo) {
            const d = crashIdDate(id);
            if (searchDates.has(d) || past.has(d))
                continue;
            (searchable(d, clock.now()) ? searchDates : past).add(d);
        }
        res.pastRetention = [...past].sort();
        if (past.size) {
            reporter.warn(`${res.pastRetention.join(', ')}: older than Socorro's 26 weeks of search data; for ${past.size === 1 ? 'that date' : 'those dates'} storage alone decides (no search)`);
        }
    }
    // Only when there is something to check: a rerun with nothing left sends no request at all.
    if (todo.size > 0)
        await checkBucket(store, clock);
    const onAbort = () => run.fail('interrupted: what was classified is written; rerun to finish (ids already classified are skipped)');
    if (opts.signal?.aborted)
        onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const giveUpAfter = opts.giveUpAfter ?? Math.max(50, concurrency * 2);
    let setWidth = (_n) => { };
    const aimd = new Aimd(concurrency, (n) => setWidth(n), { initial: Math.min(concurrency, SLOW_START_WIDTH), now: () => clock.now() });
    const heads = new HeadRetrier(store, run, aimd, opts.policy ?? HEAD_RETRY, clock, deps.random ?? Math.random);
    // Order matters within a flush: a havenot's line in havenots.tsv is on disk before its id.
    const HAVES = 0;
    const DETAILS = 1;
    const HAVENOTS = 2;
    const writer = new BatchedAppender([haves, details, havenots], {
        onFailure: (err) => run.fail(`could not write the results (${oneLine(err)}); what was written before is kept. Rerun to finish: ids already classified are skipped`),
    });
    let done = 0;
    const task = reporter.start(opts.search ? 'check (storage and search)' : 'check', todo.size);
    // Progress is drawn at most ten times a second, not once per id.
    let shownAt = 0;
    const show = () => task.update(done, { haves: res.haves, havenots: res.havenots, errors: res.errors, width: aimd.current });
    const progress = () => {
        done++;
        const now = performance.now();
        if (now - shownAt < 100)
            return;
        shownAt = now;
        show();
    };
    const have = (id) => {
        res.haves++;
        run.date(id).haves++;
        writer.add(HAVES, id);
        progress();
    };
    // An id file made by hand: a havenot's raw crash is asked for its hour; refused or failed is
    // "hour unknown", never a stop. The first lookup goes alone: when it is refused (the README's
    // policy grants processed crashes only), no other is sent, for every one would be refused too.
    let lookupsRefused = false;
    let firstLookup;
    const lookUp = async (id) => {
        res.hourLookups++;
        const at = await heads.savedAt(id);
        if (at !== 'refused')
            return at;
        if (!lookupsRefused) {
            lookupsRefused = true;
            reporter.warn('reading a raw crash (for its hour) was refused: check needs only v1/processed_crash/, so the hours of these havenots stay unknown. Chunks from list carry the hours');
        }
        return undefined;
    };
    const savedAtOf = async (id) => {
        const t = listed.saved?.times[input.ids.indexOf(id)] ?? NOT_COVERED;
        if (t !== NOT_COVERED)
            return t === 0 ? undefined : t * 1000;
        if (!firstLookup) {
            const first = lookUp(id);
            firstLookup = first;
            return first;
        }
        await firstLookup;
        return lookupsRefused ? undefined : lookUp(id);
    };
    const havenot = async (id, reason) => {
        const savedAt = await savedAtOf(id);
        if (run.stop.signal.aborted)
            return;
        res.havenots++;
        const c = run.date(id);
        c.havenots++;
        if (reason === 'not-searchable') {
            res.notSearchable++;
            c.notSearchable++;
        }
        writer.add(DETAILS, details.line(id, { savedAt, reason }));
        writer.add(HAVENOTS, id);
        progress();
    };
    const unchecked = (n) => {
        res.errors += n;
        for (let i = 0; i < n; i++)
            progress();
    };
    const searcher = opts.search
        ? new SearchBatcher(deps.searchApi, new RateLimiter(deps.searchPerMinute ?? 90, clock), async (o) => {
            if (o.found) {
                res.searched += o.ids.length;
                for (const id of o.ids) {
                    if (o.found.has(id))
                        have(id);
                    else
                        await havenot(id, 'not-searchable');
                }
                return;
            }
            // A search that failed after its retries classifies nothing: those ids are left for a rerun.
            unchecked(o.ids.length);
            run.fail(o.forbidden
                ? `the search API refused the token (${o.failure}); stopped. Check the token, or run without it (search allows anonymous requests)`
                : `the search API failed after retries: ${o.failure}; the ids it was asked about were written nowhere. Rerun to finish: ids already classified are skipped`);
        }, { signal: run.stop.signal })
        : undefined;
    const checkOne = async (id) => {
        const verdict = await heads.check(id);
        if (run.stop.signal.aborted)
            return;
        if (verdict === undefined) {
            unchecked(1);
            if (++run.consecutiveFailures >= giveUpAfter) {
                run.fail(`${store.kind.toUpperCase()} keeps failing (${run.consecutiveFailures} ids in a row got no usable answer; last: ${run.lastError}); stopped. ` +
                    'Rerun to finish: ids already classified are skipped');
            }
            return;
        }
        run.consecutiveFailures = 0;
        if (verdict === 'missing')
            return havenot(id, 'not-in-storage');
        if (searcher && searchDates.has(crashIdDate(id)))
            return searcher.add(id);
        have(id);
    };
    try {
        await forEachPooled(todo, aimd.current, checkOne, {
            signal: run.stop.signal,
            onQueue: (q) => (setWidth = (n) => (q.concurrency = Math.max(1, n))),
        });
        await searcher?.drain();
    }
    finally {
        opts.signal?.removeEventListener('abort', onAbort);
        res.searchRequests = searcher?.requests ?? 0;
        const writeFailure = await writer.close();
        if (writeFailure)
            run.fail(`could not write the results (${oneLine(writeFailure)}); what was written before is kept. Rerun to finish: ids already classified are skipped`);
        show();
        task.stop();
    }
    // The hours of every havenot in havenots.txt, this run's and earlier ones'.
    if (!writeFailure(res)) {
        for (const id of havenots.ids) {
            const t = details.entries.get(id)?.savedAt;
            if (t === undefined)
                res.hoursUnknown++;
            else
                addHour(res.hours, t);
        }
        try {
            await writeTextAtomic((0,external_node_path_.join)(opts.out, 'havenots-hours.json'), hoursJson(res.hours));
        }
        catch (err) {
            run.fail(`could not write havenots-hours.json (${oneLine(err)})`);
        }
    }
    if (!res.failure && res.errors > 0) {
        res.failure = `${res.errors} id(s) could not be checked (last: ${run.lastError}); they were written nowhere. Rerun to finish: ids already classified are skipped`;
    }
    res.finalConcurrency = aimd.current;
    res.elapsedMs = clock.now() - t0;
    return res;
}
/** Whether the run stopped because its results could not be written (then nothing more is). */
const writeFailure = (res) => res.failure?.startsWith('could not write the results') ?? false;

;// CONCATENATED MODULE: ./src/core/dates.ts

/** The longest span one run may list; longer is almost certainly a typo. */
const MAX_DAYS = 366;
const dates_DAY_MS = 86_400_000;
function parseDay(s, flag) {
    if (!/^\d{8}$/.test(s))
        throw new UsageError(`${flag}: ${s} is not a date (YYYYMMDD)`);
    const y = Number(s.slice(0, 4));
    const m = Number(s.slice(4, 6));
    const d = Number(s.slice(6, 8));
    const t = Date.UTC(y, m - 1, d);
    const back = new Date(t);
    if (y < 2000 || back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) {
        throw new UsageError(`${flag}: ${s} is not a date (YYYYMMDD)`);
    }
    return t;
}
function formatDay(t) {
    return new Date(t).toISOString().slice(0, 10).replaceAll('-', '');
}
/**
 * `20160915`, `20160915,20160916`, `20160915 20160916` or `20160901..20160930` (inclusive),
 * mixed freely. Returns sorted unique YYYYMMDD strings.
 */
function parseDates(spec, flag) {
    const parts = (spec ?? '').split(/[\s,]+/).filter(Boolean);
    if (parts.length === 0)
        throw new UsageError(`${flag}: no dates given (YYYYMMDD, comma separated, or YYYYMMDD..YYYYMMDD)`);
    const days = new Set();
    for (const part of parts) {
        const range = part.split('..');
        if (range.length === 1) {
            days.add(parseDay(part, flag));
        }
        else if (range.length === 2) {
            const from = parseDay(range[0], flag);
            const to = parseDay(range[1], flag);
            if (to < from)
                throw new UsageError(`${flag}: ${part} ends before it starts`);
            if ((to - from) / dates_DAY_MS + 1 > MAX_DAYS)
                throw new UsageError(`${flag}: ${part} spans more than ${MAX_DAYS} days`);
            for (let t = from; t <= to; t += dates_DAY_MS)
                days.add(t);
        }
        else {
            throw new UsageError(`${flag}: ${part} is not a date or a range (YYYYMMDD..YYYYMMDD)`);
        }
    }
    const sorted = [...days].sort((a, b) => a - b);
    if ((sorted[sorted.length - 1] - sorted[0]) / dates_DAY_MS + 1 > MAX_DAYS) {
        throw new UsageError(`${flag}: the dates span more than ${MAX_DAYS} days`);
    }
    return sorted.map(formatDay);
}
/** `HH:MM` (UTC) → minutes after midnight; `24:00` is allowed as the end of the day. */
function parseTimeOfDay(s, flag) {
    if (s === undefined || s === '')
        return undefined;
    const m = /^(\d{2}):(\d{2})$/.exec(s);
    if (!m || Number(m[2]) > 59 || Number(m[1]) > 24 || (Number(m[1]) === 24 && Number(m[2]) !== 0)) {
        throw new UsageError(`${flag}: ${s} is not a time of day (HH:MM, UTC)`);
    }
    return Number(m[1]) * 60 + Number(m[2]);
}
/**
 * `HH:MM..HH:MM` (UTC; either end may be left out): the window --since / --until give in two
 * options, in one (a dispatch form has few inputs). `-` works as the separator too.
 */
function parseHourWindow(s, flag) {
    if (s === undefined || s === '')
        return {};
    const m = /^\s*(\d{2}:\d{2})?\s*(?:\.\.|-)\s*(\d{2}:\d{2})?\s*$/.exec(s);
    if (!m || (m[1] === undefined && m[2] === undefined))
        throw new UsageError(`${flag}: ${s} is not a window of the day (HH:MM..HH:MM, UTC)`);
    return { since: m[1], until: m[2] };
}
/** Epoch ms of `minutes` after midnight UTC on YYYYMMDD. */
function dayTime(day, minutes) {
    return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8))) + minutes * 60_000;
}

;// CONCATENATED MODULE: ./src/modes/list.ts













const list_HEX = '0123456789abcdef';
/**
 * Listings in flight. v2: a day is 4096 small prefixes. v1: a day is one prefix in 16 slices,
 * cut further where a first page shows a slice is dense (piecesFor), so that the pages of a busy
 * day are asked side by side rather than one after another.
 */
const DEFAULT_LIST_CONCURRENCY = { v1: 64, v2: 64 };
/**
 * v1 puts a whole day under one prefix, so one paging walk would be sequential. Keys under it
 * start with a hex digit, so 16 slices bounded on hex boundaries list in parallel and still cover
 * every key exactly once (junk keys included).
 */
function slicesFor(layout, date) {
    const prefixes = rawCrashPrefixes(layout, date);
    if (layout === 'v2')
        return prefixes.map((prefix) => ({ date, prefix }));
    const prefix = prefixes[0];
    return [...list_HEX].map((c, i) => ({
        date,
        prefix,
        from: i === 0 ? undefined : prefix + c,
        to: i === 15 ? undefined : prefix + list_HEX[i + 1],
    }));
}
/** Hex digits of a key that set its place in a slice: enough to tell 4 billion places apart. */
const PLACE_DIGITS = 8;
/**
 * Where the key (after the prefix) lies in the crash ids' key space, from 0 to 1, read from its
 * first hex digits: what a page's keys say about how dense its slice is. It only has to grow
 * with the key (never shrink, in byte order, whatever the characters); the bounds made from it are
 * strings, and every key still falls in exactly one piece whatever the estimate.
 */
function keyPlace(rest) {
    let place = 0;
    let scale = 1;
    for (let i = 0; i < PLACE_DIGITS && i < rest.length; i++) {
        const c = rest.charCodeAt(i);
        scale /= 16;
        // A character that is not a hex digit ends the reading, at the place of its neighbour above.
        if (c < 0x30)
            break; // before '0': as '0000…'
        if (c > 0x66)
            return place + 16 * scale; // after 'f': as the next digit up
        if (c > 0x39 && c < 0x61)
            return place + 10 * scale; // between '9' and 'a': as 'a000…'
        place += (c <= 0x39 ? c - 0x30 : c - 0x57) * scale;
    }
    return place;
}
/** The bound string of a place: the prefix and PLACE_DIGITS hex digits. */
function placeBound(prefix, place) {
    const n = Math.min(16 ** PLACE_DIGITS - 1, Math.max(0, Math.floor(place * 16 ** PLACE_DIGITS)));
    return prefix + n.toString(16).padStart(PLACE_DIGITS, '0');
}
/**
 * The rest of a slice after a page that ended at `last`, cut into `pieces` about equally full
 * (by the places of the keys), as slices that tile it: the first starts at `last` (which it
 * skips), each next starts where the one before ends, the last ends where the slice did. Fewer
 * pieces when the space between `last` and the slice's end is too narrow to cut; none (an empty
 * list) when it cannot be cut at all.
 */
function splitRest(slice, last, pieces) {
    const rest = slice.prefix.length;
    const lo = keyPlace(last.slice(rest));
    const hi = slice.to === undefined ? 1 : keyPlace(slice.to.slice(rest));
    const bounds = [];
    for (let i = 1; i < pieces; i++) {
        const b = placeBound(slice.prefix, lo + ((hi - lo) * i) / pieces);
        // Strictly inside (last, to) and increasing: every bound a real cut.
        if (b > last && (slice.to === undefined || b < slice.to) && (bounds.length === 0 || b > bounds[bounds.length - 1]))
            bounds.push(b);
    }
    if (bounds.length === 0)
        return [];
    const out = [];
    let from = last;
    for (const b of bounds) {
        out.push({ date: slice.date, prefix: slice.prefix, from, to: b, ...(from === last ? { skip: last } : {}) });
        from = b;
    }
    out.push({ date: slice.date, prefix: slice.prefix, from, to: slice.to });
    return out;
}
/**
 * How many pieces the rest of a slice is worth after a page of it: the rest is taken to be as
 * dense as the span of places the page's keys cover, a page's worth a piece, and there are no
 * more pieces than lanes to list them (`spare`). 1: go on paging.
 */
function piecesFor(slice, objects, spare) {
    // Only slices with a bound are known to hold crash ids in hex order (v1's slices, and their pieces).
    if (objects.length < 2 || spare < 2 || (slice.from === undefined && slice.to === undefined))
        return 1;
    const rest = slice.prefix.length;
    const lo = keyPlace(objects[0].key.slice(rest));
    const last = keyPlace(objects[objects.length - 1].key.slice(rest));
    const hi = slice.to === undefined ? 1 : keyPlace(slice.to.slice(rest));
    const covered = last - lo;
    if (covered <= 0 || hi <= last)
        return 1;
    return Math.max(1, Math.min(Math.ceil((hi - last) / covered), spare, MAX_PIECES));
}
/** The most pieces one page's slice is cut into at once (a piece that is still dense is cut again). */
const MAX_PIECES = 64;
/**
 * Lists every raw crash of the dates, in parallel slices, all pages of each, and hands each
 * crash id (with its saved time, when the store gave one) to `onCrash`, in no particular order.
 * Keys that are not crash ids and crashes outside since/until are counted, not handed on. A
 * listing that fails after its retries (or at once: no bucket, no permission) throws a RunError.
 * The one walk both `list` (id files) and `scan` (counts per hour) are made of.
 */
async function walkRawCrashes(opts, deps, onCrash) {
    const { store, reporter } = deps;
    const clock = deps.clock ?? systemClock;
    const roots = opts.dates.flatMap((d) => slicesFor(opts.layout, d));
    const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_LIST_CONCURRENCY[opts.layout]);
    const counts = new Map(opts.dates.map((date) => [date, { date, listed: 0, junk: 0, outsideWindow: 0 }]));
    let requests = 0;
    let retries = 0;
    let done = 0;
    let listed = 0;
    // Pieces queued and listings running: a slice is cut only while lanes would otherwise wait.
    let queued = roots.length;
    let running = 0;
    // The progress bar counts the dates' slices; one is done once all of its pieces are.
    const open = new Map();
    const rootOf = new Map();
    const task = reporter.start(opts.label ?? `list ${opts.dates.length} date(s), ${opts.layout}`, roots.length);
    const page = (slice, token) => withRetries(() => {
        requests++;
        return store.listPage({ prefix: slice.prefix, from: slice.from, to: slice.to, token });
    }, {
        policy: opts.policy ?? LIST_RETRY,
        clock,
        retryable: (err) => err instanceof StoreError && isTransient(err.kind),
        onRetry: () => retries++,
    });
    const listSlice = async (slice, more) => {
        queued--;
        running++;
        const root = rootOf.get(slice) ?? slice;
        rootOf.delete(slice);
        try {
            const c = counts.get(slice.date);
            const from = opts.since === undefined ? -Infinity : dayTime(slice.date, opts.since);
            // until 13:45 means through 13:45:59.999; 24:00 is the end of the day.
            const to = opts.until === undefined ? Infinity : dayTime(slice.date, opts.until) + (opts.until >= 1440 ? -1 : 59_999);
            let token;
            do {
                const p = await page(slice, token);
                token = p.next;
                for (const o of p.objects) {
                    if (o.key === slice.skip)
                        continue;
                    const id = crashIdFromKey(slice.prefix, o.key);
                    if (!id) {
                        c.junk++;
                        continue;
                    }
                    if (o.savedAt !== undefined && (o.savedAt < from || o.savedAt > to)) {
                        c.outsideWindow++;
                        continue;
                    }
                    c.listed++;
                    listed++;
                    onCrash(id, o.savedAt, slice.date);
                }
                // A page that did not reach the slice's end says how dense the rest is: when lanes are
                // free, the rest is listed in pieces side by side instead of page after page.
                if (token) {
                    const pieces = piecesFor(slice, p.objects, concurrency - running - queued + 1);
                    const rest = pieces > 1 ? splitRest(slice, p.objects[p.objects.length - 1].key, pieces) : [];
                    if (rest.length > 1) {
                        for (const r of rest)
                            rootOf.set(r, root);
                        open.set(root, (open.get(root) ?? 1) + rest.length);
                        queued += rest.length;
                        more(rest);
                        token = undefined;
                    }
                }
            } while (token);
        }
        finally {
            running--;
        }
        const left = (open.get(root) ?? 1) - 1;
        if (left > 0)
            open.set(root, left);
        else {
            open.delete(root);
            task.update(++done, { ids: listed });
        }
    };
    try {
        await forEachQueued(roots, concurrency, listSlice);
    }
    catch (err) {
        // A listing that fails after its retries (or at once: no bucket, no permission) lists nothing.
        if (err instanceof StoreError)
            throw new RunError(`${err.message}; nothing was written`);
        throw err;
    }
    finally {
        task.stop();
    }
    return { dates: [...counts.values()], requests, retries };
}
/** Every raw crash saved on the dates, sorted and unique, into uuids.txt and chunk files. */
async function runList(opts, deps) {
    const { store, reporter } = deps;
    const clock = deps.clock ?? systemClock;
    const t0 = clock.now();
    // Packed, 16 bytes an id and 4 for its saved second: a month is ~11 M of them.
    const ids = new PackedIdList({ savedTimes: true });
    const walk = await walkRawCrashes(opts, deps, (id, savedAt) => ids.push(id, savedAt));
    ids.sortUnique();
    const hint = eraHint(walk.dates, opts.layout, store.kind);
    if (hint)
        reporter.warn(hint);
    const plan = planChunks(ids.size, opts.chunkSize, opts.maxChunks);
    if (plan.requested !== undefined) {
        reporter.warn(`chunk size raised from ${plan.requested} to ${plan.chunkSize} so that ${ids.size} ids make at most ${plan.maxChunks} chunks`);
    }
    await writeOutputs(opts.out, ids, plan);
    return {
        total: ids.size,
        junk: walk.dates.reduce((s, d) => s + d.junk, 0),
        outsideWindow: walk.dates.reduce((s, d) => s + d.outsideWindow, 0),
        dates: walk.dates,
        plan,
        uuidsFile: (0,external_node_path_.join)(opts.out, 'uuids.txt'),
        requests: walk.requests,
        retries: walk.retries,
        elapsedMs: clock.now() - t0,
    };
}
async function writeOutputs(out, ids, plan) {
    const dir = (0,external_node_path_.join)(out, 'chunks');
    await (0,promises_.mkdir)(dir, { recursive: true });
    // Chunks of an earlier run would be mistaken for this one's.
    for (const f of await (0,promises_.readdir)(dir))
        if (/^uuids-\d+-\d+\.(txt|saved-times)$/.test(f))
            await (0,promises_.rm)((0,external_node_path_.join)(dir, f));
    // Each id file with its saved times beside it: check then asks the store nothing but the processed crash.
    for (const c of plan.chunks)
        await writeIdsWithSavedTimes((0,external_node_path_.join)(out, c.file), ids, c.start, c.end);
    await writeIdsWithSavedTimes((0,external_node_path_.join)(out, 'uuids.txt'), ids);
}
/**
 * One warning for the dates that listed nothing although their era kept crashes elsewhere: a
 * green run with 0 crashes for an old date on the default layout would mislead.
 */
function eraHint(dates, layout, store) {
    const byEra = new Map();
    for (const d of dates) {
        if (d.listed + d.junk + d.outsideWindow > 0)
            continue;
        const eras = erasOf(d.date);
        if (eras.length === 0 || eras.some((e) => e.layout === layout && e.store === store))
            continue;
        const where = eras.map((e) => e.label).join(' or ');
        byEra.set(where, [...(byEra.get(where) ?? []), d.date]);
    }
    if (byEra.size === 0)
        return undefined;
    const here = `the ${layout} layout on ${store === 'gcs' ? 'Google Cloud Storage' : 'S3'}`;
    const parts = [...byEra].map(([where, ds]) => `${ds.length === 1 ? ds[0] : `${ds[0]}…${ds[ds.length - 1]} (${ds.length} dates)`} listed 0 crashes in ${here}; Socorro kept that date's crashes in ${where}`);
    return `${parts.join('; ')}: check the layout and the bucket`;
}

;// CONCATENATED MODULE: ./src/core/options.ts

/** The label of an option in a message: the adapter's spelling, else the option's name. */
function label(spell, name) {
    return spell(name) ?? name;
}
function options_text(v) {
    return typeof v === 'string' ? v.trim() : v === undefined ? '' : String(v);
}
/** A whole number in [min, max]; `dflt` when not given. */
function parseInteger(spell, name, v, dflt, min, max) {
    const s = options_text(v);
    if (s === '')
        return dflt;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min || n > max) {
        throw new UsageError(`${label(spell, name)}: ${s} is not a whole number from ${min} to ${max}`);
    }
    return n;
}
/** A number of seconds (or of another unit) in [0, max]; `dflt` when not given. */
function parseSeconds(spell, name, v, dflt, max = 3600, unit = 'seconds') {
    const s = options_text(v);
    if (s === '')
        return dflt;
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0 || n > max)
        throw new UsageError(`${label(spell, name)}: ${s} is not a number of ${unit} from 0 to ${max}`);
    return n;
}
function parseBoolean(spell, name, v, dflt = false) {
    if (typeof v === 'boolean')
        return v;
    const s = options_text(v).toLowerCase();
    if (s === '')
        return dflt;
    if (s === 'false' || s === '0' || s === 'no')
        return false;
    if (s === 'true' || s === '1' || s === 'yes')
        return true;
    throw new UsageError(`${label(spell, name)}: ${options_text(v)} is not true or false`);
}
/** One of `choices`; `dflt` when not given. */
function parseChoice(spell, name, v, choices, dflt, what) {
    const s = options_text(v);
    if (s === '')
        return dflt;
    if (!choices.includes(s)) {
        throw new UsageError(`${label(spell, name)}: ${s} is not ${what} (${choices.join(' or ')})`);
    }
    return s;
}
function parseUrl(spell, name, v) {
    let u;
    try {
        u = new URL(v);
    }
    catch {
        throw new UsageError(`${label(spell, name)}: ${v} is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
        throw new UsageError(`${label(spell, name)}: ${v} is not an http(s) URL`);
    return u;
}
function isLoopbackHost(hostname) {
    const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
/** SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN (the name crashstats-tools uses). */
function tokenFromEnv(env) {
    const t = env.SOCORRO_API_TOKEN?.trim() || env.CRASHSTATS_API_TOKEN?.trim();
    return t || undefined;
}

;// CONCATENATED MODULE: ./src/core/pacer.ts
/**
 * Starts one piece of work every `intervalMs` on a fixed grid: the submission pace Socorro's
 * on-call asks for. Time lost to a slow piece (retries, a Retry-After wait) is not made up
 * with a burst afterwards: the grid moves on from where the slow piece ended.
 */
class Pacer {
    intervalMs;
    clock;
    nextAt;
    startedAt = 0;
    constructor(intervalMs, clock) {
        this.intervalMs = intervalMs;
        this.clock = clock;
        this.nextAt = clock.now();
    }
    /** Waits for the next slot (cut short by `signal`). */
    async ready(signal) {
        const wait = this.nextAt - this.clock.now();
        if (wait > 0)
            await this.clock.sleep(wait, signal);
        this.startedAt = this.clock.now();
        // Late by more than half a slot: the grid restarts here rather than catching up.
        this.nextAt = (this.startedAt - this.nextAt > this.intervalMs / 2 ? this.startedAt : this.nextAt) + this.intervalMs;
    }
    /** The piece that `ready` let start has ended: one that took longer than a slot pushes the grid back. */
    finished() {
        const ended = this.clock.now();
        if (ended - this.startedAt > this.intervalMs)
            this.nextAt = Math.max(this.nextAt, ended + this.intervalMs);
    }
}

;// CONCATENATED MODULE: ./src/modes/submitter.ts

/** Why a submission stopped; the run keeps what the ledger holds. */
class SubmitStopped extends Error {
    name = 'SubmitStopped';
}
/**
 * Sends batches to the Reprocessing API and records what became of each id: accepted ids into
 * the ledger (synced before anything else is sent: it is what keeps reruns from resubmitting),
 * ids refused as invalid into rejected.txt, never retried.
 *
 * Socorro refuses a whole batch with 400 for one invalid id. When its answer names the id, that
 * id is rejected and the rest resent; otherwise the batch is halved until single ids are left.
 * A single id refused without being named is only a suspect: if other ids are being accepted,
 * the 400 was about it; if nothing was ever accepted, the API refuses everything (a proxy, a
 * changed API, a bad ruleset) and the run stops rather than bury every id in rejected.txt.
 */
class Submitter {
    counts = { submitted: 0, rejected: 0, requests: 0, settled: 0 };
    api;
    ledger;
    rejected;
    log;
    /** What to check when the API refuses everything: names of the adapter's options. */
    checkHint;
    suspects = [];
    constructor(api, ledger, rejected, log, checkHint) {
        this.api = api;
        this.ledger = ledger;
        this.rejected = rejected;
        this.log = log;
        this.checkHint = checkHint;
    }
    /** Sends one batch and settles it; throws SubmitStopped when the run must stop. */
    async send(ids) {
        await this.submit(ids);
        await this.settleSuspects();
    }
    async submit(ids) {
        const answer = await this.api.submit(ids);
        this.counts.requests++;
        const verdict = classifySubmit(answer.status);
        if (verdict === 'accepted') {
            this.counts.submitted += await this.ledger.append(ids, true);
            this.counts.settled += ids.length;
            return;
        }
        if (verdict === 'invalid')
            return this.isolate(ids, answer);
        if (verdict === 'forbidden') {
            throw new SubmitStopped(`the Reprocessing API refused the token (HTTP ${answer.status}): it needs the 'Reprocess Crashes' permission ` +
                `(crash-stats API tokens page). API said: ${answer.body.trim() || '(no body)'}. Nothing more was sent`);
        }
        const what = answer.status === 0 ? `no answer (${answer.error})` : `HTTP ${answer.status} ${answer.body.trim().slice(0, 200)}`;
        throw new SubmitStopped(`the Reprocessing API failed after retries: ${what}. ${this.counts.submitted} id(s) were accepted and are in the ledger; rerun to send the rest`);
    }
    async isolate(ids, answer) {
        const named = /Crash id '([^']+)'/.exec(answer.body)?.[1];
        const bad = named === undefined ? -1 : ids.findIndex((id) => id === named || id.startsWith(named + ':'));
        if (bad >= 0) {
            await this.reject(ids[bad], answer.body);
            const rest = ids.filter((_, i) => i !== bad);
            if (rest.length)
                await this.submit(rest);
            return;
        }
        if (ids.length === 1) {
            this.suspects.push({ id: ids[0], body: answer.body });
            return;
        }
        const half = Math.ceil(ids.length / 2);
        await this.submit(ids.slice(0, half));
        await this.submit(ids.slice(half));
    }
    async settleSuspects() {
        if (this.suspects.length === 0)
            return;
        if (this.counts.submitted === 0) {
            throw new SubmitStopped('the Reprocessing API answered 400 to every request, even to single ids, without naming an invalid crash id ' +
                `(API said: ${this.suspects[0].body.trim().slice(0, 200) || '(no body)'}); stopped, nothing was rejected. Check ${this.checkHint}`);
        }
        for (const s of this.suspects.splice(0))
            await this.reject(s.id, s.body);
    }
    async reject(id, body) {
        this.counts.rejected += await this.rejected.append([id], true);
        this.counts.settled++;
        this.log.warn(`rejected by the API (400): ${id}: ${body}`);
    }
}

;// CONCATENATED MODULE: ./src/modes/reprocess.ts









const DEFAULT_BATCH_SIZE = 50;
const MAX_BATCH_SIZE = 1000;
const DEFAULT_MAX = 10_000;
const DEFAULT_SLEEP_SECONDS = 1;
/**
 * Sends the input's ids, less the ledger and rejected.txt, to the Reprocessing API in paced
 * batches. Refuses (exit 2, nothing sent) when there are more than `max` of them, so a wrong
 * file cannot flood the processing queue.
 */
async function runReprocess(opts, deps) {
    const { reporter, spell } = deps;
    const clock = deps.clock ?? systemClock;
    const t0 = clock.now();
    const usingDefault = opts.files.length === 0;
    const files = usingDefault ? [(0,external_node_path_.join)(opts.out, 'havenots.txt')] : opts.files;
    const input = await readIdFiles(files, { skipInvalid: opts.skipInvalid, allowEmpty: usingDefault || opts.allowEmpty, skipInvalidOption: spell('skipInvalid') });
    const ledger = await AppendOnceFile.open((0,external_node_path_.join)(opts.out, 'reprocessed.txt'));
    const rejected = await AppendOnceFile.open((0,external_node_path_.join)(opts.out, 'rejected.txt'));
    const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
    const max = opts.max ?? DEFAULT_MAX;
    const res = {
        input: input.ids.size,
        alreadySubmitted: 0,
        alreadyRejected: 0,
        toSend: 0,
        submitted: 0,
        rejected: 0,
        batches: 0,
        requests: 0,
        retries: 0,
        dryRun: !!opts.dryRun,
        elapsedMs: 0,
        ledgerFile: ledger.path,
    };
    // One byte an input id (1: to send) instead of a second set of ids: 1 MB for a million, not 24.
    const send = new Uint8Array(input.ids.size);
    for (let i = 0; i < input.ids.size; i++) {
        if (ledger.ids.hasFrom(input.ids, i) || opts.alsoSubmitted?.hasFrom(input.ids, i))
            res.alreadySubmitted++;
        else if (rejected.ids.hasFrom(input.ids, i) || opts.alsoRejected?.hasFrom(input.ids, i))
            res.alreadyRejected++;
        else {
            send[i] = 1;
            res.toSend++;
        }
    }
    if (input.invalid)
        reporter.warn(`${input.invalid} line(s) that are not crash ids were skipped`);
    if (res.alreadySubmitted)
        reporter.info(`${res.alreadySubmitted} id(s) already in the ledger: not sent again`);
    if (res.alreadyRejected)
        reporter.info(`${res.alreadyRejected} id(s) already rejected (400) by the API: not sent again`);
    if (res.toSend > max && !opts.allowMany) {
        throw new UsageError(`${res.toSend} crash ids to submit is more than ${label(spell, 'max')} ${max}; nothing was sent. ` +
            `Large reprocessing jobs can page the people who run Socorro: tell them first (#crashreporting on Matrix), then use ${label(spell, 'allowMany')}`);
    }
    const batchCount = Math.ceil(res.toSend / batchSize);
    const paceMs = (opts.sleepSeconds ?? DEFAULT_SLEEP_SECONDS) * 1000;
    if (opts.dryRun || res.toSend === 0) {
        if (opts.dryRun) {
            res.batches = batchCount;
            reporter.info(`dry run: would submit ${res.toSend} id(s) in ${batchCount} batch(es) of up to ${batchSize}, one every ${paceMs / 1000}s; nothing sent`);
        }
        res.elapsedMs = clock.now() - t0;
        return res;
    }
    // The ledger must be writable before anything is sent: an accepted batch missing from it would be sent again.
    await (0,promises_.mkdir)(opts.out, { recursive: true });
    await ledger.touch();
    const client = deps.api((why, attempt, waitMs) => {
        res.retries++;
        reporter.warn(`API: ${why}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)}s`);
    });
    const submitter = new Submitter(client, ledger, rejected, reporter, `${label(spell, 'apiUrl')} and ${label(spell, 'ruleset')}`);
    const pacer = new Pacer(paceMs, clock);
    const task = reporter.start('reprocess', res.toSend);
    const interrupted = () => new SubmitStopped(`interrupted: ${submitter.counts.submitted} id(s) were accepted and are in the ledger; rerun to send the rest`);
    const sendBatch = async (batch) => {
        if (opts.signal?.aborted)
            throw interrupted();
        await pacer.ready(opts.signal);
        if (opts.signal?.aborted)
            throw interrupted();
        res.batches++;
        try {
            await submitter.send(batch);
        }
        catch (err) {
            // A retry wait cut short by the interrupt is not the API failing: say what happened.
            if (err instanceof SubmitStopped && opts.signal?.aborted)
                throw interrupted();
            throw err;
        }
        finally {
            pacer.finished();
            task.update(submitter.counts.settled, { submitted: submitter.counts.submitted, rejected: submitter.counts.rejected });
        }
        if (opts.onBatch) {
            try {
                await opts.onBatch(res.batches);
            }
            catch (err) {
                throw new SubmitStopped(`could not save the ledger so far (${oneLine(err)}); stopped sending: ${submitter.counts.submitted} id(s) were accepted and are in the local ledger`);
            }
        }
    };
    try {
        let batch = [];
        for (let i = 0; i < send.length; i++) {
            if (send[i] === 0)
                continue;
            batch.push(input.ids.at(i));
            if (batch.length === batchSize) {
                await sendBatch(batch);
                batch = [];
            }
        }
        if (batch.length)
            await sendBatch(batch);
    }
    catch (err) {
        if (!(err instanceof SubmitStopped))
            throw err;
        res.failure = err.message;
    }
    finally {
        task.stop();
        await ledger.close();
        await rejected.close();
        await client.close();
        res.submitted = submitter.counts.submitted;
        res.rejected = submitter.counts.rejected;
        res.requests = submitter.counts.requests;
    }
    res.elapsedMs = clock.now() - t0;
    return res;
}

;// CONCATENATED MODULE: ./src/modes/verify.ts













const DEFAULT_EVERY_SECONDS = 60;
class VerifyRun {
    counts = { requests: 0, retries: 0, throttled: 0 };
    stop = new AbortController();
    lastError = '';
    failure;
    fail(why) {
        this.failure ??= why;
        this.stop.abort();
    }
}
/**
 * Did the submitted crashes get processed? Checks each id as check does (storage, and search
 * with `search`), then polls those not yet processed every `everySeconds` until all are or
 * `waitMinutes` have passed. verified.txt gets each id as it is found processed; unverified.txt
 * (written at the end) holds the rest: every input id is in exactly one of them.
 */
async function runVerify(opts, deps) {
    const { store, reporter } = deps;
    const clock = deps.clock ?? systemClock;
    const t0 = clock.now();
    if (opts.search && !deps.searchApi)
        throw new Error('runVerify: search needs a search API');
    const usingDefault = opts.files.length === 0;
    const files = usingDefault ? [(0,external_node_path_.join)(opts.out, 'reprocessed.txt')] : opts.files;
    const input = await readIdFiles(files, { skipInvalid: opts.skipInvalid, allowEmpty: usingDefault, skipInvalidOption: opts.skipInvalidOption });
    const verified = await AppendOnceFile.open((0,external_node_path_.join)(opts.out, 'verified.txt'));
    let pending = new IdSet(input.ids.size);
    for (let i = 0; i < input.ids.size; i++)
        if (!verified.ids.hasFrom(input.ids, i))
            pending.addFrom(input.ids, i);
    const alreadyVerified = input.ids.size - pending.size;
    if (alreadyVerified)
        reporter.info(`${alreadyVerified} id(s) verified by an earlier run: not checked again`);
    const run = new VerifyRun();
    const concurrency = opts.concurrency ?? 64;
    const searchDates = new Set();
    const past = new Set();
    if (opts.search) {
        for (const id of pending) {
            const d = crashIdDate(id);
            if (!searchDates.has(d) && !past.has(d))
                (searchable(d, clock.now()) ? searchDates : past).add(d);
        }
        if (past.size)
            reporter.warn(`${[...past].sort().join(', ')}: older than Socorro's 26 weeks of search data; storage alone decides (no search)`);
    }
    if (pending.size > 0)
        await checkBucket(store, clock);
    const aimd = new Aimd(concurrency, () => { }, { now: () => clock.now() });
    const heads = new HeadRetrier(store, run, aimd, opts.policy ?? HEAD_RETRY, clock, deps.random ?? Math.random);
    const writer = new BatchedAppender([verified], {
        onFailure: (err) => run.fail(`could not write verified.txt (${oneLine(err)})`),
    });
    const limiter = new RateLimiter(deps.searchPerMinute ?? 90, clock);
    const waitMs = (opts.waitMinutes ?? 0) * 60_000;
    const everyMs = (opts.everySeconds ?? DEFAULT_EVERY_SECONDS) * 1000;
    const stopped = () => run.stop.signal.aborted || opts.signal?.aborted === true;
    const onAbort = () => run.stop.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let passes = 0;
    let searchRequests = 0;
    try {
        while (pending.size > 0 && !stopped()) {
            passes++;
            const stillPending = new IdSet(pending.size);
            const found = (id) => writer.add(0, id);
            // Each pass asks search anew, with a query Socorro has not cached (its cache lasts 5 minutes).
            const searcher = opts.search
                ? new SearchBatcher(deps.searchApi, limiter, (o) => {
                    if (!o.found) {
                        for (const id of o.ids)
                            stillPending.add(id);
                        run.fail(`the search API failed after retries: ${o.failure}`);
                    }
                    else {
                        for (const id of o.ids) {
                            if (o.found.has(id))
                                found(id);
                            else
                                stillPending.add(id);
                        }
                    }
                    return Promise.resolve();
                }, { signal: run.stop.signal, variant: passes })
                : undefined;
            const task = reporter.start(`verify, pass ${passes}`, pending.size);
            let done = 0;
            await forEachPooled(pending, concurrency, async (id) => {
                const v = await heads.check(id);
                task.update(++done);
                if (v === 'found' && searcher && searchDates.has(crashIdDate(id)))
                    return searcher.add(id);
                if (v === 'found')
                    return found(id);
                stillPending.add(id); // missing, or no usable answer this pass: asked again next pass
            }, { signal: run.stop.signal });
            await searcher?.drain();
            searchRequests += searcher?.requests ?? 0;
            task.stop();
            await writer.flush();
            // Ids a stopped pass never reached are still pending.
            for (const id of pending)
                if (!stillPending.has(id) && !verified.has(id))
                    stillPending.add(id);
            pending = stillPending;
            if (pending.size === 0 || stopped())
                break;
            if (clock.now() - t0 + everyMs > waitMs)
                break;
            reporter.info(`${pending.size} not processed yet; next look in ${Math.round(everyMs / 1000)} s`);
            await clock.sleep(everyMs, run.stop.signal);
        }
    }
    finally {
        opts.signal?.removeEventListener('abort', onAbort);
        const writeFailure = await writer.close();
        if (writeFailure)
            run.fail(`could not write verified.txt (${oneLine(writeFailure)})`);
    }
    await writeIdsAtomic((0,external_node_path_.join)(opts.out, 'unverified.txt'), pending);
    const byDate = {};
    for (let i = 0; i < input.ids.size; i++) {
        const id = input.ids.at(i);
        const d = (byDate[crashIdDate(id)] ??= { verified: 0, unverified: 0 });
        if (pending.has(id))
            d.unverified++;
        else
            d.verified++;
    }
    const firstUnverified = [];
    for (const id of pending) {
        if (firstUnverified.length === 10)
            break;
        firstUnverified.push(id);
    }
    return {
        input: input.ids.size,
        verified: input.ids.size - pending.size,
        unverified: pending.size,
        alreadyVerified,
        firstUnverified,
        passes,
        requests: run.counts.requests,
        retries: run.counts.retries,
        throttled: run.counts.throttled,
        searchRequests,
        pastRetention: [...past].sort(),
        byDate,
        elapsedMs: clock.now() - t0,
        failure: run.failure ?? (opts.signal?.aborted ? 'interrupted: verified.txt and unverified.txt say where it got; run it again to go on' : undefined),
    };
}

;// CONCATENATED MODULE: ./src/modes/scan.ts











/**
 * scan: where did crashes go unprocessed? Per date and UTC hour, the raw crashes saved (from the
 * listing: a request lists 1,000) against the crashes search holds (SuperSearch's date histogram:
 * one request a date), without a request per crash. An hour run where the missing reach both
 * thresholds is an outage window, and the dispatch that repairs it is its date and hours.
 *
 * The two clocks: the listing gives each raw crash's saved time; search's `date` is
 * processed_crash.date_processed, the collector's received time, a few seconds earlier. A crash
 * received just before an hour's end and saved just after it counts in one hour's saved and the
 * hour before's searchable: per-hour missing can be −1 (taken as 0) and +1 beside it, which the
 * absolute floor keeps out of windows.
 */
/** Socorro's 26 weeks of search, as dates: scan can say nothing of older ones. */
const MAX_SCAN_DATES = 183;
/**
 * A window's floors. A normal day's background is a few crashes an hour that search lacks (never
 * indexed, or still in the processing queue for the latest hour): well under 0.1% of Socorro's
 * ~15,000 an hour, and under the absolute floor. An outage of even a quarter of an hour is
 * thousands, a quarter of the hour's crashes.
 */
const DEFAULT_MIN_MISSING = 25;
const DEFAULT_MIN_SHARE = 0.01;
/** The exit code of a scan that found a window: not a failure of the tool, but a scheduled run must fail visibly. */
const SCAN_EXIT_WINDOW = 3;
/** Histogram requests in flight: they are paced anyway; this only overlaps their latency. */
const SEARCHES_IN_FLIGHT = 4;
const HH = (h) => String(h).padStart(2, '0');
/** Hour runs of one date where missing reaches both thresholds. */
function findWindows(date, rows, minMissing, minShare) {
    const out = [];
    let open;
    const close = (to) => {
        if (open)
            out.push({ date, hours: `${HH(open.from)}:00..${HH(to)}:59`, saved: open.saved, missing: open.missing });
        open = undefined;
    };
    for (let h = 0; h < 24; h++) {
        const r = rows[h];
        const hit = r.missing > 0 && r.missing >= minMissing && r.missing >= minShare * r.saved;
        if (!hit) {
            close(h - 1);
            continue;
        }
        open ??= { from: h, saved: 0, missing: 0 };
        open.saved += r.saved;
        open.missing += r.missing;
    }
    close(23);
    return out;
}
function median(xs) {
    if (xs.length === 0)
        return 0;
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
/**
 * Lists the dates (times only: nothing is kept per crash), asks search for each date's crashes per
 * hour, and writes scan.json. A store or search failure throws a RunError and writes no scan.json
 * (one left by an earlier run is removed first, so a failed scan never leaves a claim behind).
 */
async function runScan(opts, deps) {
    const { reporter } = deps;
    const clock = deps.clock ?? systemClock;
    const t0 = clock.now();
    const file = (0,external_node_path_.join)(opts.out, 'scan.json');
    await (0,promises_.rm)(file, { force: true });
    if (deps.anonymous) {
        reporter.warn(`no API token: searches are paced at 90 a minute (with SOCORRO_API_TOKEN, any token, 900): ${opts.dates.length} date(s) take about ${Math.ceil((opts.dates.length * 60) / deps.searchPerMinute)}s of searching`);
    }
    // Saved crashes per date and hour: 24 counters a date, whatever the day's volume.
    const saved = new Map(opts.dates.map((d) => [d, new Array(24).fill(0)]));
    const midnight = new Map(opts.dates.map((d) => [d, dayTime(d, 0)]));
    let savedTimeUnknown = 0;
    const onCrash = (_id, savedAt, date) => {
        if (savedAt === undefined) {
            savedTimeUnknown++;
            return;
        }
        // A crash's id (and key) carry its received date; one received at 23:59:59 may be saved after
        // midnight: it is that date's last hour, where search counts it too.
        const h = Math.floor((savedAt - midnight.get(date)) / 3_600_000);
        saved.get(date)[Math.min(23, Math.max(0, h))]++;
    };
    const limiter = new RateLimiter(deps.searchPerMinute, clock);
    const searchable = new Map();
    let searchRequests = 0;
    const searchTask = reporter.start('search: crashes per hour', opts.dates.length);
    const searches = forEachPooled(opts.dates, SEARCHES_IN_FLIGHT, async (date) => {
        const send = () => {
            searchRequests++;
            return deps.searchApi.histogram(date, { since: opts.since, until: opts.until });
        };
        // No signal: paced then always sends, and answers.
        const a = (await paced(limiter, send));
        if (classifySearch(a.status) === 'answered' && a.hours) {
            searchable.set(date, a.hours);
            searchTask.update(searchable.size);
            return;
        }
        const what = a.status === 0 ? `no usable answer (${a.error ?? 'no detail'})` : `HTTP ${a.status} ${a.body.trim().slice(0, 200)}`;
        if (classifySearch(a.status) === 'forbidden') {
            throw new RunError(`the search API refused the token (${what}); nothing was claimed (no scan.json). Check the token, or scan without it (anonymous searches are paced at 90 a minute)`);
        }
        throw new RunError(`the search API failed for ${date} after retries: ${what}; nothing was claimed (no scan.json). Rerun the scan later`);
    }).finally(() => searchTask.stop());
    // Both run at once; a failure of either claims nothing, after both have stopped.
    const [walked, searched] = await Promise.allSettled([
        walkRawCrashes({ ...opts, label: opts.label ?? `list ${opts.dates.length} date(s) (saved times only)` }, deps, onCrash),
        searches,
    ]);
    if (walked.status === 'rejected')
        throw walked.reason;
    if (searched.status === 'rejected')
        throw searched.reason;
    const walk = walked.value;
    const hours = {};
    const windows = [];
    const outside = [];
    let totals = { saved: 0, searchable: 0, missing: 0 };
    let checkSearches = 0;
    const perSearch = idsPerSearch('/api/SuperSearch/');
    for (const date of opts.dates) {
        const s = saved.get(date);
        const f = searchable.get(date);
        const rows = s.map((n, h) => ({ saved: n, searchable: f[h], missing: Math.max(0, n - f[h]) }));
        const day = {};
        rows.forEach((r, h) => {
            if (r.saved > 0 || r.searchable > 0)
                day[HH(h)] = r;
        });
        hours[date] = day;
        const found = findWindows(date, rows, opts.minMissing, opts.minShare);
        windows.push(...found);
        const covered = new Set();
        for (const w of found)
            for (let h = Number(w.hours.slice(0, 2)); h <= Number(w.hours.slice(7, 9)); h++)
                covered.add(h);
        rows.forEach((r, h) => {
            if (!covered.has(h) && r.saved > 0)
                outside.push({ missing: r.missing, saved: r.saved });
        });
        const daySaved = s.reduce((a, b) => a + b, 0);
        totals = {
            saved: totals.saved + daySaved,
            searchable: totals.searchable + f.reduce((a, b) => a + b, 0),
            missing: totals.missing + rows.reduce((a, r) => a + r.missing, 0),
        };
        checkSearches += Math.ceil(daySaved / perSearch);
    }
    const shares = outside.map((o) => o.missing / o.saved);
    const result = {
        dates: opts.dates,
        hours,
        windows,
        ...totals,
        background: {
            hours: outside.length,
            median: median(outside.map((o) => o.missing)),
            max: Math.max(0, ...outside.map((o) => o.missing)),
            medianShare: median(shares),
            maxShare: Math.max(0, ...shares),
        },
        thresholds: { minMissing: opts.minMissing, minShare: opts.minShare },
        costs: { listRequests: walk.requests, searchRequests, checkHeads: totals.saved, checkSearches },
        listRetries: walk.retries,
        junk: walk.dates.reduce((a, d) => a + d.junk, 0),
        outsideWindow: walk.dates.reduce((a, d) => a + d.outsideWindow, 0),
        savedTimeUnknown,
        file,
        elapsedMs: 0,
    };
    await writeScanJson(file, result);
    result.elapsedMs = clock.now() - t0;
    return result;
}
/**
 * scan.json: `hours` and `windows` as the contract gives them, then the run's numbers. Dates and
 * hours in order, one hour a line: JSON.stringify would put the hours "10".."23" (integer-like
 * keys) before "00".."09".
 */
function scanJson(r) {
    const dates = Object.keys(r.hours).sort();
    const hours = dates
        .map((d) => {
        const day = r.hours[d];
        const rows = Object.keys(day).sort().map((h) => `    ${JSON.stringify(h)}: ${JSON.stringify(day[h])}`);
        return rows.length ? `  ${JSON.stringify(d)}: {\n${rows.join(',\n')}\n  }` : `  ${JSON.stringify(d)}: {}`;
    })
        .join(',\n');
    const rest = {
        windows: r.windows.map((w) => ({ date: w.date, hours: w.hours, saved: w.saved, missing: w.missing })),
        dates: r.dates,
        totals: { saved: r.saved, searchable: r.searchable, missing: r.missing },
        thresholds: r.thresholds,
        background: r.background,
        costs: r.costs,
        savedTimeUnknown: r.savedTimeUnknown,
    };
    const tail = Object.entries(rest).map(([k, v]) => ` ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    return `{\n "hours": {\n${hours}\n },\n${tail.join(',\n')}\n}\n`;
}
async function writeScanJson(file, r) {
    const tmp = `${file}.tmp-${process.pid}`;
    await (0,promises_.writeFile)(tmp, scanJson(r));
    await (0,promises_.rename)(tmp, file);
}
const n = (x) => x.toLocaleString('en-US');
const pct = (x) => `${(x * 100).toFixed(x >= 0.1 ? 0 : x >= 0.01 ? 1 : 2)}%`;
/** Missing per date and hour, as the hour chart takes them (dates with none shown as empty rows). */
function missingHours(r) {
    const out = {};
    for (const [date, day] of Object.entries(r.hours))
        out[date] = Object.fromEntries(Object.entries(day).map(([h, row]) => [h, row.missing]));
    return out;
}
/** The dispatch of reprocess.yml that repairs a window, as `gh` takes it. */
function repairCommand(w) {
    return `gh workflow run reprocess.yml -f dates=${w.date} -f hours=${w.hours}`;
}
/** The background against the thresholds: the one sentence that says whether the thresholds fit the day. */
function backgroundLine(r) {
    const b = r.background;
    const t = r.thresholds;
    if (b.hours === 0)
        return `background: no hour outside the windows saved a crash; a window needs ≥ ${n(t.minMissing)} and ≥ ${pct(t.minShare)} of an hour's saved crashes missing`;
    return (`background (${b.hours} hour(s) outside windows): median ${n(b.median)} missing an hour (${pct(b.medianShare)} of saved), at most ${n(b.max)} (${pct(b.maxShare)}); ` +
        `a window needs ≥ ${n(t.minMissing)} and ≥ ${pct(t.minShare)} missing` +
        (b.max >= t.minMissing || b.maxShare >= t.minShare ? ' (the background reaches one threshold in some hour: the other kept it out)' : ''));
}
function costsLine(r) {
    const sent = r.costs.listRequests + r.costs.searchRequests;
    const check = r.costs.checkHeads + r.costs.checkSearches;
    return (`costs: ${n(r.costs.listRequests)} list request(s) + ${n(r.costs.searchRequests)} search request(s) = ${n(sent)}; ` +
        `a full check --search of the same dates: ${n(r.costs.checkHeads)} HEAD(s) + ${n(r.costs.checkSearches)} search(es) = ${n(check)}` +
        (sent > 0 && check > 0 ? ` (${n(Math.round(check / sent))}× more)` : ''));
}
/** The report both adapters print: totals, the chart, each window with its repair, the background and the costs. */
function scanReport(r) {
    const lines = [
        `scanned ${r.dates.length} date(s): ${n(r.saved)} raw crash(es) saved, ${n(r.searchable)} searchable, ${n(r.missing)} missing from search (summed per hour)`,
    ];
    const chart = hourChart(missingHours(r), { indent: '  ', title: 'missing from search by the hour the raw crash was saved (UTC)' });
    lines.push(...chart);
    if (r.windows.length === 0)
        lines.push('no outage window found');
    else {
        lines.push(`${r.windows.length} outage window(s); each is repaired by a dispatch of reprocess.yml with these dates and hours:`);
        for (const w of r.windows) {
            lines.push(`  ${w.date} ${w.hours} UTC: ${n(w.missing)} of ${n(w.saved)} saved crash(es) missing (${pct(w.missing / w.saved)})  →  ${repairCommand(w)}`);
        }
    }
    lines.push(backgroundLine(r), costsLine(r));
    if (r.savedTimeUnknown)
        lines.push(`${n(r.savedTimeUnknown)} raw crash(es) had no saved time in the listing: counted in no hour`);
    if (r.junk)
        lines.push(`${n(r.junk)} other key(s) under the raw-crash prefixes ignored`);
    return lines;
}

;// CONCATENATED MODULE: ./src/modes/options.ts












/**
 * The one option layer: what an adapter read (by option name, as typed) becomes the options of a
 * mode and the configuration of its ports, parsed and cross-checked here once, so the CLI and the
 * action refuse the same input the same way. Messages name options through the adapter's Spelling.
 */
const DEFAULT_API_URL = 'https://crash-stats.mozilla.org';
const DEFAULT_REGION = 'us-west-2';
const RULESETS = ['default', 'regenerate_signature'];
function str(v) {
    return typeof v === 'string' ? v.trim() : '';
}
const BUCKET_NAME = /^[a-z0-9][a-z0-9.\-_]{1,254}$/i;
const STORES = ['s3', 'gcs'];
/**
 * The store and bucket: `gs://NAME` is Google Cloud Storage, `s3://NAME` or a bare `NAME` S3
 * (the storage option can say gcs for a bare name); a storage option that contradicts the
 * bucket's scheme is refused. The endpoint: the option, else the store's own variable
 * (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, or STORAGE_EMULATOR_HOST, where a bare host:port
 * means http://host:port), else the cloud's.
 */
function parseStore(raw, { spell, env }) {
    const given = str(raw.bucket);
    if (!given)
        throw new UsageError(`${label(spell, 'bucket')}: the bucket is required`);
    const scheme = /^([a-z0-9]+):\/\//i.exec(given)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== 's3' && scheme !== 'gs') {
        throw new UsageError(`${label(spell, 'bucket')}: ${given} is not a bucket (NAME, s3://NAME or gs://NAME)`);
    }
    const bucket = scheme ? given.slice(scheme.length + 3).replace(/\/+$/, '') : given;
    if (!BUCKET_NAME.test(bucket))
        throw new UsageError(`${label(spell, 'bucket')}: ${given} is not a bucket name`);
    const fromScheme = scheme === 'gs' ? 'gcs' : scheme === 's3' ? 's3' : undefined;
    const asked = parseChoice(spell, 'storage', raw.storage, STORES, undefined, 'a store');
    if (asked && fromScheme && asked !== fromScheme) {
        throw new UsageError(`${label(spell, 'storage')} ${asked} contradicts ${label(spell, 'bucket')} ${given}`);
    }
    const kind = asked ?? fromScheme ?? 's3';
    let endpointText = str(raw.endpoint);
    if (!endpointText && kind === 's3')
        endpointText = env.AWS_ENDPOINT_URL_S3?.trim() || env.AWS_ENDPOINT_URL?.trim() || '';
    let emulator = false;
    if (!endpointText && kind === 'gcs' && env.STORAGE_EMULATOR_HOST?.trim()) {
        const host = env.STORAGE_EMULATOR_HOST.trim();
        // A URL of its own (http or https), or a bare host[:port]; nothing else is guessed at.
        const bare = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(host);
        if (!bare && !/^https?:\/\//i.test(host))
            throw new UsageError(`STORAGE_EMULATOR_HOST: ${host} is not a host:port or URL`);
        endpointText = bare ? `http://${host}` : host;
        emulator = true;
    }
    let endpoint;
    if (endpointText) {
        const name = emulator ? undefined : 'endpoint';
        try {
            endpoint = parseUrl(spell, 'endpoint', endpointText).toString().replace(/\/$/, '');
        }
        catch (err) {
            if (name)
                throw err;
            throw new UsageError(`STORAGE_EMULATOR_HOST: ${env.STORAGE_EMULATOR_HOST} is not a host:port or URL`);
        }
    }
    // A GCS bearer token goes only over https or to this machine, like the API token. An emulator
    // elsewhere over plain http (STORAGE_EMULATOR_HOST) gets no token at all: emulators check none.
    let tokenless = false;
    if (kind === 'gcs' && endpoint) {
        const u = new URL(endpoint);
        if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
            if (!emulator) {
                throw new UsageError(`${label(spell, 'endpoint')}: ${endpointText} is not https; the GCS token is only sent over https or to loopback (an emulator elsewhere: STORAGE_EMULATOR_HOST, which is sent no token)`);
            }
            tokenless = true;
        }
    }
    return {
        kind,
        bucket,
        endpoint,
        emulator,
        ...(tokenless ? { tokenless } : {}),
        region: str(raw.region) || env.AWS_REGION?.trim() || DEFAULT_REGION,
        pathStyle: parseBoolean(spell, 'pathStyle', raw.pathStyle),
    };
}
/** since/until (HH:MM UTC) of each date, cross-checked. */
function parseWindow(raw, spell) {
    const hours = str(raw.hours);
    if (hours && (str(raw.since) || str(raw.until))) {
        throw new UsageError(`${label(spell, 'hours')} and ${label(spell, 'since')} / ${label(spell, 'until')} say the same thing: give one or the other`);
    }
    const w = hours ? parseHourWindow(hours, label(spell, 'hours')) : { since: str(raw.since), until: str(raw.until) };
    const [sinceName, untilName] = hours ? ['hours', 'hours'] : ['since', 'until'];
    const since = parseTimeOfDay(w.since, label(spell, sinceName));
    const until = parseTimeOfDay(w.until, label(spell, untilName));
    if (since !== undefined && until !== undefined && since > until) {
        throw new UsageError(hours ? `${label(spell, 'hours')}: ${hours} starts after it ends` : `${label(spell, 'since')} ${w.since} is after ${label(spell, 'until')} ${w.until}`);
    }
    return { since, until };
}
function parseListOptions(raw, out, ctx) {
    const { spell } = ctx;
    const dates = parseDates(str(raw.dates), label(spell, 'dates'));
    // A cap the adapter may set (a dispatch form): a typo of a year would start hundreds of jobs.
    const maxDates = parseInteger(spell, 'maxDates', raw.maxDates, 0, 0, 366);
    if (maxDates && dates.length > maxDates) {
        throw new UsageError(`${label(spell, 'dates')}: ${dates.length} dates is more than ${label(spell, 'maxDates')} ${maxDates}; split the dates over several runs, or raise ${label(spell, 'maxDates')}`);
    }
    const layout = parseChoice(spell, 'layout', raw.layout, LAYOUTS, 'v1', 'a layout');
    const chunkSize = parseInteger(spell, 'chunkSize', raw.chunkSize, DEFAULT_CHUNK_SIZE, 1, 100_000_000);
    // 0: no limit. A limit comes from where the chunks go (a matrix has at most 256 jobs).
    const maxChunks = parseInteger(spell, 'maxChunks', raw.maxChunks, 0, 0, 100_000_000) || undefined;
    const store = parseStore(raw, ctx);
    return { store, list: { dates, layout, chunkSize, maxChunks, ...parseWindow(raw, spell), out } };
}
function parseSearch(raw, ctx) {
    if (!parseBoolean(ctx.spell, 'search', raw.search))
        return undefined;
    const token = str(raw.apiToken) || tokenFromEnv(ctx.env);
    const apiUrl = parseApiUrl(raw, !!token, ctx.spell);
    const limit = token ? API_LIMIT_PER_MINUTE.withToken : API_LIMIT_PER_MINUTE.anonymous;
    return { api: { apiUrl, token }, perMinute: Math.floor(limit * API_LIMIT_SHARE) };
}
function parseCheckOptions(raw, files, out, ctx) {
    const { spell } = ctx;
    const concurrency = parseInteger(spell, 'concurrency', raw.concurrency, DEFAULT_CHECK_CONCURRENCY, 1, 1024);
    const store = parseStore(raw, ctx);
    const search = parseSearch(raw, ctx);
    return {
        store,
        check: { files, out, concurrency, skipInvalid: parseBoolean(spell, 'skipInvalid', raw.skipInvalid), skipInvalidOption: spell('skipInvalid'), search: !!search },
        search,
    };
}
function parseVerifyOptions(raw, files, out, ctx) {
    const { spell } = ctx;
    const store = parseStore(raw, ctx);
    const search = parseSearch(raw, ctx);
    return {
        store,
        verify: {
            files,
            out,
            search: !!search,
            waitMinutes: parseSeconds(spell, 'wait', raw.wait, 0, 6 * 60, 'minutes'),
            everySeconds: parseInteger(spell, 'every', raw.every, DEFAULT_EVERY_SECONDS, 1, 3600),
            concurrency: parseInteger(spell, 'concurrency', raw.concurrency, 64, 1, 1024),
            skipInvalid: parseBoolean(spell, 'skipInvalid', raw.skipInvalid),
            skipInvalidOption: spell('skipInvalid'),
        },
        search,
    };
}
/**
 * The API's base URL. The token goes only over https, or to this machine (tests, the demo, a
 * tunnel); a path prefix is kept: the API is at {api-url}/api/Reprocessing/.
 */
function parseApiUrl(raw, sendsToken, spell) {
    const text = str(raw.apiUrl) || DEFAULT_API_URL;
    const u = parseUrl(spell, 'apiUrl', text);
    if (sendsToken && u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
        throw new UsageError(`${label(spell, 'apiUrl')}: ${text} is not https; the API token is only sent over https or to loopback`);
    }
    return u.origin + u.pathname.replace(/\/+$/, '');
}
function parseReprocessOptions(raw, files, out, ctx, opts = {}) {
    const { spell, env } = ctx;
    const dryRun = parseBoolean(spell, 'dryRun', raw.dryRun);
    const token = str(raw.apiToken) || tokenFromEnv(env);
    if (!token && !dryRun && opts.tokenNeeded !== false) {
        const given = spell('apiToken');
        throw new UsageError(`no API token: ${given ? `give ${given}, or ` : ''}set SOCORRO_API_TOKEN (or CRASHSTATS_API_TOKEN) to a token with the 'Reprocess Crashes' permission`);
    }
    const apiUrl = parseApiUrl(raw, !dryRun && !!token, spell);
    const reprocess = {
        files,
        out,
        batchSize: parseInteger(spell, 'batchSize', raw.batchSize, DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE),
        sleepSeconds: parseSeconds(spell, 'sleep', raw.sleep, DEFAULT_SLEEP_SECONDS),
        max: parseInteger(spell, 'max', raw.max, DEFAULT_MAX, 0, 1_000_000_000),
        allowMany: parseBoolean(spell, 'allowMany', raw.allowMany),
        dryRun,
        skipInvalid: parseBoolean(spell, 'skipInvalid', raw.skipInvalid),
    };
    const ruleset = parseChoice(spell, 'ruleset', raw.ruleset, RULESETS, undefined, 'a ruleset');
    return { api: { apiUrl, token, ruleset }, reprocess };
}
/**
 * scan's options: the dates (`yesterday` and `today` name UTC days, for a schedule), at most 183
 * and none older than search keeps (26 weeks) nor in the future, refused before anything is sent;
 * the hour window as list takes it; the thresholds; the search API (the token optional).
 */
function parseScanOptions(raw, out, ctx, now) {
    const { spell } = ctx;
    const DAY = 86_400_000;
    const words = { today: formatDay(now), yesterday: formatDay(now - DAY) };
    const dateText = str(raw.dates).replace(/[a-z]+/gi, (w) => words[w.toLowerCase()] ?? w);
    // No max-dates: that cap is about a matrix's jobs, and scan has none; 183 is its own.
    const { store, list } = parseListOptions({ ...raw, dates: dateText, maxDates: undefined }, out, ctx);
    const name = label(spell, 'dates');
    if (list.dates.length > MAX_SCAN_DATES) {
        throw new UsageError(`${name}: ${list.dates.length} dates is more than ${MAX_SCAN_DATES} (Socorro's 26 weeks of search); scan fewer`);
    }
    const old = list.dates.filter((d) => !searchable(d, now));
    if (old.length > 0) {
        throw new UsageError(`${name}: ${old.length === 1 ? old[0] : `${old[0]}…${old[old.length - 1]} (${old.length} dates)`} older than Socorro's 26 weeks of search data: scan cannot compare with search there; use check (storage alone decides for those dates)`);
    }
    const future = list.dates.filter((d) => d > words.today);
    if (future.length > 0)
        throw new UsageError(`${name}: ${future[0]} is in the future (UTC)`);
    const minMissing = parseInteger(spell, 'minMissing', raw.minMissing, DEFAULT_MIN_MISSING, 1, 1_000_000_000);
    const shareText = str(raw.minShare);
    const percent = shareText.endsWith('%');
    const share = shareText === '' ? DEFAULT_MIN_SHARE : Number(percent ? shareText.slice(0, -1) : shareText) / (percent ? 100 : 1);
    if (!Number.isFinite(share) || share < 0 || share > 1 || (shareText !== '' && !/^\d*\.?\d+%?$/.test(shareText))) {
        throw new UsageError(`${label(spell, 'minShare')}: ${shareText} is not a share from 0 to 1 (or a percentage: 2%)`);
    }
    const token = str(raw.apiToken) || tokenFromEnv(ctx.env);
    const apiUrl = parseApiUrl(raw, !!token, spell);
    const limit = token ? API_LIMIT_PER_MINUTE.withToken : API_LIMIT_PER_MINUTE.anonymous;
    return {
        store,
        scan: { dates: list.dates, layout: list.layout, since: list.since, until: list.until, out, minMissing, minShare: share },
        search: { api: { apiUrl, token }, perMinute: Math.floor(limit * API_LIMIT_SHARE) },
    };
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
;// CONCATENATED MODULE: ./src/ports/gcs-auth.ts




/** Thrown when no credentials can be found or a token cannot be obtained. */
class CredentialsError extends Error {
    name = 'CredentialsError';
}
/** Read-only access to objects is all the tool needs (roles/storage.objectViewer grants it). */
const SCOPE = 'https://www.googleapis.com/auth/devstorage.read_only';
/** A token is replaced this long before it expires, or a quarter of its life for short-lived ones. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** When the credentials say nothing about expiry, ask again (the library decides) this often. */
const UNKNOWN_EXPIRY_RECHECK_MS = 5 * 60_000;
/** gcloud's ADC file (`gcloud auth application-default login`), where google-auth-library looks too. */
function gcloudAdcFile(env) {
    const dir = env.CLOUDSDK_CONFIG || (0,external_node_path_.join)(env.HOME || (0,external_node_os_.homedir)(), '.config', 'gcloud');
    return (0,external_node_path_.join)(dir, 'application_default_credentials.json');
}
/** Whether credentials a file names exist, without asking the metadata server (a 3 s probe off GCE). */
function hasCredentialFile(env) {
    return !!env.GOOGLE_APPLICATION_CREDENTIALS?.trim() || (0,external_node_fs_.existsSync)(gcloudAdcFile(env));
}
/**
 * Tokens from Application Default Credentials: the file in GOOGLE_APPLICATION_CREDENTIALS (a
 * service-account key, an external_account such as the file google-github-actions/auth writes
 * for Workload Identity Federation, an authorized user, an impersonated_service_account),
 * gcloud's ADC file, or the metadata server. With
 * `anonymousIfNoFile` (an emulator) and no credential file, or with `anonymous`, requests go
 * without Authorization.
 * google-auth-library reads these from the process environment (its only non-deprecated way to
 * load a credentials file), so that is where they are looked for here too.
 */
function adcTokens(opts) {
    const env = process.env;
    const now = opts.now ?? Date.now;
    const anonymous = !!opts.anonymous || (opts.anonymousIfNoFile && !hasCredentialFile(env));
    let client;
    let current;
    let pending;
    const makeClient = async () => {
        // Loaded only when a GCS bucket is used: the S3 and API paths never pay for it.
        const { GoogleAuth } = await __webpack_require__.e(/* import() */ 492).then(__webpack_require__.t.bind(__webpack_require__, 492, 23));
        const auth = new GoogleAuth({
            scopes: [SCOPE],
            // Object requests need no project. Without one here the library looks one up (gcloud,
            // the metadata server, Cloud Resource Manager for external accounts) and fails when it
            // cannot, although the token itself was fine.
            projectId: env.GOOGLE_CLOUD_PROJECT?.trim() || env.GCLOUD_PROJECT?.trim() || 'socorro-reprocess',
        });
        return await auth.getClient();
    };
    const fetchToken = async (force) => {
        try {
            // After a 401 the client is replaced, not told that its token expired: each credential type
            // keeps its token and its means of refreshing it its own way (setCredentials drops the
            // refresh handle of a key, a user, the metadata server or an impersonation; another type
            // caches tokens where setCredentials never looks). A new client from the same credentials
            // asks its issuer afresh, whatever the type.
            if (force)
                client = undefined;
            const c = await (client ??= makeClient());
            const { token } = await c.getAccessToken();
            if (!token)
                throw new CredentialsError('the credentials gave no access token');
            const obtained = now();
            const expiry = c.credentials?.expiry_date ?? undefined;
            const refreshAt = expiry
                ? expiry - Math.min(REFRESH_MARGIN_MS, Math.max(0, expiry - obtained) / 4)
                : obtained + UNKNOWN_EXPIRY_RECHECK_MS;
            current = { token, refreshAt };
            return token;
        }
        catch (err) {
            client = undefined; // a later attempt starts over (a credentials file that appears, a metadata server back)
            if (err instanceof CredentialsError)
                throw err;
            throw new CredentialsError(oneLine(err));
        }
    };
    const single = (force) => (pending ??= fetchToken(force).finally(() => {
        pending = undefined;
    }));
    return {
        anonymous,
        async get() {
            if (anonymous)
                return undefined;
            if (current && now() < current.refreshAt)
                return current.token;
            return single(false);
        },
        async refreshAfter(rejected) {
            if (anonymous)
                return undefined;
            // Someone already replaced the refused token: use the new one.
            if (current && current.token !== rejected)
                return current.token;
            return single(true);
        },
    };
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
;// CONCATENATED MODULE: ./src/ports/gcs-store.ts






const GCS_ENDPOINT = 'https://storage.googleapis.com';
const USER_AGENT = 'socorro-reprocess';
/** GCS's page limit; a page may still come back shorter. */
const PAGE_SIZE = 1000;
/** Only what the listing needs, so a page of a thousand objects stays a few tens of KB. */
const LIST_FIELDS = 'items(name,updated),nextPageToken';
/** Bodies of error answers kept for messages. */
const ERROR_BODY_MAX = 4096;
/** GCS's JSON error: `{"error":{"code","message","errors":[{"reason","message"}]}}`. */
function errorOf(body) {
    try {
        const e = JSON.parse(body).error;
        return { reason: e?.errors?.[0]?.reason, message: e?.message };
    }
    catch {
        return {};
    }
}
/** What GCS's port can say about each failure: which IAM permissions, which credentials. */
function gcsDetail(kind, bucket, said) {
    const tail = said ? ` (GCS said: ${said.slice(0, 200)})` : '';
    switch (kind) {
        case 'forbidden':
            return `the credentials need storage.objects.get and storage.objects.list on gs://${bucket} (roles/storage.objectViewer on the bucket)${tail}`;
        case 'unauthenticated':
            return 'the token is invalid or expired, and a fresh one was refused too: check the credentials (GOOGLE_APPLICATION_CREDENTIALS; in a workflow, the workload identity provider and service account)' + tail;
        case 'no-such-bucket':
            return `check the bucket name (gs://${bucket})${tail}`;
        case 'no-credentials':
            return ('Application Default Credentials found none or could not get a token: set GOOGLE_APPLICATION_CREDENTIALS ' +
                `(in a workflow, google-github-actions/auth), or STORAGE_EMULATOR_HOST for an emulator${said ? ` (${said.slice(0, 300)})` : ''}`);
        default:
            return said?.slice(0, 200) ?? '';
    }
}
/**
 * The Google Cloud Storage store: plain HTTP on keep-alive sockets, no per-request client
 * library. Listings through the JSON API (objects.list with start/end offsets, so a day's key
 * space is cut into exact slices), existence through the XML API's HEAD (no body to read or
 * parse: the cheapest correct request, bench row 7). Every request carries the shared bearer
 * token; a 401 gets one fresh token and one more try before it counts.
 */
function gcsStore(opts) {
    const base = new URL((opts.endpoint ?? GCS_ENDPOINT).replace(/\/+$/, '') + '/');
    const https = base.protocol === 'https:';
    const maxSockets = opts.maxSockets ?? 128;
    const agentOpts = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
    const agent = https ? new external_node_https_.Agent(agentOpts) : new external_node_http_.Agent(agentOpts);
    const timeout = opts.requestTimeoutMs ?? 30_000;
    const bucket = opts.bucket;
    const basePath = base.pathname.replace(/\/$/, '');
    const headPath = (key) => `${basePath}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
    const listPath = `${basePath}/storage/v1/b/${encodeURIComponent(bucket)}/o`;
    const send = (method, path, token) => {
        const headers = ['host', base.host, 'user-agent', USER_AGENT];
        if (token)
            headers.push('authorization', `Bearer ${token}`);
        const options = {
            agent,
            hostname: base.hostname,
            port: base.port || undefined,
            method,
            path,
            // Raw header pairs: no per-header validation and lower-casing inside node:http.
            headers: headers,
            setHost: false,
            timeout,
        };
        return new Promise((resolve) => {
            let responded = false;
            const onResponse = (res) => {
                responded = true;
                const status = res.statusCode ?? 0;
                // A HEAD has no body; a GET's is read whole (a list page) or in part (an error).
                if (method === 'HEAD') {
                    res.resume();
                    resolve({ status, body: '', lastModified: res.headers['last-modified'] });
                    return;
                }
                const chunks = [];
                let size = 0;
                const ok = status >= 200 && status < 300;
                res.on('data', (c) => {
                    if (ok || size < ERROR_BODY_MAX)
                        chunks.push(c);
                    size += c.length;
                });
                // An error page may quote the request's Authorization header: never pass the token on.
                res.on('end', () => resolve({ status, body: ok ? Buffer.concat(chunks).toString('utf8') : redact(Buffer.concat(chunks).toString('utf8'), token) }));
                res.on('error', (err) => resolve({ status: 0, body: '', error: redact(err.message, token) }));
            };
            const req = https ? (0,external_node_https_.request)(options, onResponse) : (0,external_node_http_.request)(options, onResponse);
            req.on('timeout', () => req.destroy(new Error('timed out')));
            // No answer (reset, refused, timeout): status 0, worth another try. Later events are no-ops.
            req.on('error', (err) => resolve({ status: 0, body: '', error: err.message }));
            req.on('close', () => {
                if (!responded)
                    resolve({ status: 0, body: '', error: 'connection closed' });
            });
            req.end();
        });
    };
    const failure = (kind, what, a, code, said) => new StoreError(kind, storeMessage('GCS', kind, what, a.status, gcsDetail(kind, bucket, said ?? a.error)), { status: a.status, code });
    /** A request with the shared token; a 401 gets one fresh token and one more try. */
    const authed = async (method, path, what) => {
        let token;
        try {
            token = await opts.tokens.get();
            let a = await send(method, path, token);
            if (a.status !== 401)
                return a;
            token = await opts.tokens.refreshAfter(token);
            a = await send(method, path, token);
            return a;
        }
        catch (err) {
            if (err instanceof CredentialsError)
                return failure('no-credentials', what, { status: 0, body: '' }, undefined, err.message);
            throw err;
        }
    };
    return {
        kind: 'gcs',
        bucket,
        async listPage(q) {
            const params = new URLSearchParams({ prefix: q.prefix, maxResults: String(Math.min(q.maxKeys ?? PAGE_SIZE, PAGE_SIZE)), fields: LIST_FIELDS });
            // GCS's bounds: startOffset inclusive, endOffset exclusive (see ListQuery).
            if (q.from !== undefined)
                params.set('startOffset', q.from);
            if (q.to !== undefined)
                params.set('endOffset', q.to);
            if (q.token)
                params.set('pageToken', q.token);
            const what = `a listing of ${q.prefix}`;
            const a = await authed('GET', `${listPath}?${params.toString()}`, what);
            if (a instanceof StoreError)
                throw a;
            if (a.status >= 200 && a.status < 300) {
                let page;
                try {
                    page = JSON.parse(a.body);
                }
                catch {
                    throw failure('unavailable', what, a, undefined, 'the answer was not JSON');
                }
                const objects = (page.items ?? []).map((o) => {
                    const t = o.updated ? Date.parse(o.updated) : NaN;
                    return { key: o.name ?? '', savedAt: Number.isFinite(t) ? t : undefined };
                });
                return { objects, next: page.nextPageToken || undefined };
            }
            const e = errorOf(a.body);
            throw failure(classifyListFailure(a.status, e.reason), what, a, e.reason, e.message);
        },
        async head(key) {
            const what = 'a HEAD of a processed crash';
            const a = await authed('HEAD', headPath(key), what);
            if (a instanceof StoreError)
                return a;
            const v = classifyObjectAnswer(a.status);
            return v === 'found' || v === 'missing' ? v : failure(v, what, a);
        },
        async savedAt(key) {
            const what = 'a HEAD of a raw crash';
            const a = await authed('HEAD', headPath(key), what);
            if (a instanceof StoreError)
                return a;
            const v = classifyObjectAnswer(a.status);
            if (v === 'missing')
                return v;
            if (v !== 'found')
                return failure(v, what, a);
            const t = a.lastModified ? Date.parse(a.lastModified) : NaN;
            return Number.isFinite(t) ? t : failure('rejected', what, a, undefined, 'no Last-Modified in the answer');
        },
        close() {
            agent.destroy();
            return Promise.resolve();
        },
    };
}

;// CONCATENATED MODULE: ./src/ports/sigv4.ts

/**
 * AWS Signature Version 4 for header-signed requests without a body (what check's HEADs are),
 * written from the published algorithm. The SDK signs the same way; it is only used here
 * because a check sends millions of identical-shape requests and the SDK's per-request
 * machinery cost several times more CPU than the request itself (bench/README.md).
 */
const EMPTY_SHA256 = (0,external_node_crypto_.hash)('sha256', '', 'hex');
/** `YYYYMMDDTHHMMSSZ` for a time in ms. */
function amzDate(ms) {
    return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
class SigV4Signer {
    region;
    service;
    keyFor = { secret: '', day: '', key: undefined };
    dateSecond = -1;
    dateText = '';
    constructor(region, service = 's3') {
        this.region = region;
        this.service = service;
    }
    /** The amz date for now, computed once per second. */
    now(ms = Date.now()) {
        const s = Math.floor(ms / 1000);
        if (s !== this.dateSecond) {
            this.dateSecond = s;
            this.dateText = amzDate(s * 1000);
        }
        return this.dateText;
    }
    /** The day's signing key, derived once per day and secret, kept as a KeyObject (no per-use key import). */
    signingKey(secret, day) {
        const c = this.keyFor;
        if (c.key === undefined || c.secret !== secret || c.day !== day) {
            const kDate = (0,external_node_crypto_.createHmac)('sha256', 'AWS4' + secret).update(day).digest();
            const kRegion = (0,external_node_crypto_.createHmac)('sha256', kDate).update(this.region).digest();
            const kService = (0,external_node_crypto_.createHmac)('sha256', kRegion).update(this.service).digest();
            const key = (0,external_node_crypto_.createSecretKey)((0,external_node_crypto_.createHmac)('sha256', kService).update('aws4_request').digest());
            this.keyFor = { secret, day, key };
            return key;
        }
        return c.key;
    }
    /**
     * The Authorization header value. `headers` are the signed headers: lowercase names, sorted,
     * values already trimmed; they must include host and x-amz-date. `path` is the URI-encoded
     * path as sent (S3 does not double-encode); `query` the canonical query string ('' for none).
     */
    authorization(creds, method, path, query, headers, payloadHash, date) {
        let canonicalHeaders = '';
        let signed = '';
        for (const [k, v] of headers) {
            canonicalHeaders += k + ':' + v + '\n';
            signed += (signed ? ';' : '') + k;
        }
        return this.finish(creds, method + '\n' + path + '\n' + query + '\n' + canonicalHeaders + '\n' + signed + '\n' + payloadHash, signed, date);
    }
    /**
     * authorization() for a HEAD without a query, signing host, x-amz-content-sha256 (of the empty
     * body), x-amz-date and, with temporary credentials, x-amz-security-token: the same result,
     * with no arrays built per request.
     */
    headAuthorization(creds, host, path, date) {
        const token = creds.sessionToken;
        const signed = token ? HEAD_SIGNED_WITH_TOKEN : HEAD_SIGNED;
        const canonical = 'HEAD\n' + path + '\n\nhost:' + host + '\nx-amz-content-sha256:' + EMPTY_SHA256 + '\nx-amz-date:' + date + '\n' +
            (token ? 'x-amz-security-token:' + token + '\n' : '') + '\n' + signed + '\n' + EMPTY_SHA256;
        return this.finish(creds, canonical, signed, date);
    }
    finish(creds, canonical, signed, date) {
        const day = date.slice(0, 8);
        const scope = day + '/' + this.region + '/' + this.service + '/aws4_request';
        const toSign = 'AWS4-HMAC-SHA256\n' + date + '\n' + scope + '\n' + (0,external_node_crypto_.hash)('sha256', canonical, 'hex');
        const signature = (0,external_node_crypto_.createHmac)('sha256', this.signingKey(creds.secretAccessKey, day)).update(toSign).digest('hex');
        return 'AWS4-HMAC-SHA256 Credential=' + creds.accessKeyId + '/' + scope + ', SignedHeaders=' + signed + ', Signature=' + signature;
    }
}
const HEAD_SIGNED = 'host;x-amz-content-sha256;x-amz-date';
const HEAD_SIGNED_WITH_TOKEN = HEAD_SIGNED + ';x-amz-security-token';

;// CONCATENATED MODULE: ./src/ports/s3-store.ts






const PROBE_KEY = 'v1/processed_crash/probe';
/** Keys that need no URI encoding: check's are `v1/processed_crash/{crash id}`. */
const PLAIN_KEY = /^[A-Za-z0-9._~/-]+$/;
const s3_store_USER_AGENT = 'socorro-reprocess';
const CREDENTIALS_RECHECK_MS = 5000;
/** The SDK's own threshold for correcting its clock from a response's Date. */
const SKEW_MS = 240_000;
class Probed extends Error {
}
/** What an SDK error says: its status (0 for none) and its code (the SDK names errors after S3's codes). */
function answerOf(err) {
    const e = err;
    const status = e.$metadata?.httpStatusCode ?? 0;
    // HEAD errors have no body, so the SDK names them 'Unknown', 'NotFound' or after the status.
    const code = e.name && !/^(Unknown|NotFound|\d+)$/.test(e.name) ? e.name : undefined;
    return { status, code, credentials: e.name === 'CredentialsProviderError' };
}
/** What a HEAD of `key` is, for messages. */
const headOf = (key) => (key.startsWith('v1/processed_crash/') ? 'a HEAD of a processed crash' : 'a HEAD of a raw crash');
/** What S3's port can say about each failure: which permission, which credentials. */
function s3Detail(kind, listing, bucket, err) {
    switch (kind) {
        case 'forbidden':
            return listing
                ? `the credentials need s3:ListBucket on ${bucket}`
                : `the credentials need s3:GetObject on v1/processed_crash/* and s3:ListBucket on ${bucket} ` +
                    '(without ListBucket, S3 answers 403 instead of 404 for crashes that were never processed)';
        case 'no-such-bucket':
            return `check the bucket name (${bucket}) and the region`;
        case 'unauthenticated':
            return 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the role the job assumes';
        case 'no-credentials':
            return `the AWS SDK's default chain found none (${err ? oneLine(err) : 'no detail'})`;
        case 'clock-skew':
            return "S3 refuses requests signed more than 15 minutes from its time: set this machine's clock (NTP)";
        case 'signature':
            return 'check AWS_SECRET_ACCESS_KEY, and that the endpoint is the bucket\'s region';
        default:
            return err ? oneLine(err) : '';
    }
}
/**
 * The S3 store. Listings go through the SDK; HEADs are signed here (sigv4.ts) with the
 * endpoint, signing region, credentials and clock offset the SDK resolved, and sent on
 * keep-alive agents: the SDK's per-request machinery cost several times the CPU of the request
 * (bench/README.md). Anything the direct path does not handle goes through the SDK.
 */
function s3Store(opts) {
    const maxSockets = opts.maxSockets ?? 128;
    const agentOpts = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
    const httpAgent = new external_node_http_.Agent(agentOpts);
    const httpsAgent = new external_node_https_.Agent(agentOpts);
    const requestTimeout = opts.requestTimeoutMs ?? 30_000;
    const Bucket = opts.bucket;
    // The SDK is loaded on first use: reprocess never needs it, and it is a third of the CLI's memory.
    let clients;
    const sdkClients = () => (clients ??= __webpack_require__.e(/* import() */ 711).then(__webpack_require__.t.bind(__webpack_require__, 3711, 19)).then((sdk) => {
        const common = {
            region: opts.region || 'us-west-2',
            endpoint: opts.endpoint || undefined,
            forcePathStyle: opts.pathStyle ?? false,
            credentials: opts.credentials,
            requestHandler: { httpAgent, httpsAgent, connectionTimeout: 10_000, requestTimeout },
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
            // One attempt: retries are the caller's (core/retry.ts), so they never stack on the SDK's.
            maxAttempts: 1,
        };
        return { sdk, lister: new sdk.S3Client(common), header: new sdk.S3Client(common) };
    }));
    const failure = (kind, what, status, code, listing, err) => new StoreError(kind, storeMessage('S3', kind, what, status, s3Detail(kind, listing, Bucket, err)), { status, code, cause: err });
    const sdkHead = async (key) => {
        const a = await sdkHeadSaved(key);
        return typeof a === 'number' ? 'found' : a;
    };
    /** A HEAD through the SDK: the object's Last-Modified when found. */
    const sdkHeadSaved = async (key) => {
        const { sdk, header } = await sdkClients();
        try {
            const out = await header.send(new sdk.HeadObjectCommand({ Bucket, Key: key }));
            return out.LastModified?.getTime() ?? 0;
        }
        catch (err) {
            const a = answerOf(err);
            if (a.credentials)
                return failure('no-credentials', headOf(key), 0, undefined, false, err);
            if (a.status === 0 && err.name === 'TypeError')
                throw err; // a bug, not an answer
            const v = classifyObjectAnswer(a.status, a.code);
            if (v === 'missing')
                return v;
            return failure(v === 'found' ? 'rejected' : v, headOf(key), a.status, a.code, false, err);
        }
    };
    /** Keys in (from, to]: S3 can start after a key but not stop at one, so the page is cut here. */
    const listOnce = async (q) => {
        const { sdk, lister } = await sdkClients();
        const out = await lister.send(new sdk.ListObjectsV2Command({
            Bucket,
            Prefix: q.prefix,
            StartAfter: q.token ? undefined : q.from,
            ContinuationToken: q.token,
            MaxKeys: q.maxKeys,
        }));
        const objects = [];
        for (const o of out.Contents ?? []) {
            const key = o.Key ?? '';
            if (q.to !== undefined && key > q.to)
                return { objects };
            objects.push({ key, savedAt: o.LastModified?.getTime() });
        }
        return { objects, next: out.IsTruncated ? out.NextContinuationToken : undefined };
    };
    // How HEADs go: resolved once from the SDK (null: through the SDK), and the clock offset the SDK measured.
    let target;
    let direct;
    let creds;
    let credsAt = 0;
    let clockOffsetMs = 0;
    let confirming;
    let refused;
    const useSdkFromNowOn = (why) => {
        if (direct === null)
            return;
        direct = null;
        opts.log?.warn(`S3: ${why}; every HEAD now goes through the AWS SDK (correct, but several times the CPU a request)`);
    };
    const resolveDirect = async () => {
        const t = await (target ??= (async () => {
            const { sdk, header } = await sdkClients();
            return probeHeadTarget(sdk, header, Bucket);
        })());
        if (direct !== undefined)
            return;
        if (!t) {
            useSdkFromNowOn('the signed HEAD path does not handle this bucket or endpoint');
            return;
        }
        direct = { target: t, signer: new SigV4Signer(t.signingRegion, t.signingName) };
    };
    /**
     * A 403 from the direct path may be ours (a signature the SDK would have made differently, a
     * skewed clock), not the store's verdict on the credentials: make the same HEAD through the
     * SDK, which corrects its clock from the answer, before stopping a run over it.
     */
    const confirm403 = async (key, serverDate) => {
        const server = serverDate ? Date.parse(serverDate) : NaN;
        if (Number.isFinite(server) && Math.abs(server - (Date.now() + clockOffsetMs)) >= SKEW_MS) {
            clockOffsetMs = server - Date.now();
            opts.log?.warn(`S3: this machine's clock is ${Math.round(clockOffsetMs / 1000)} s off the store's; signing with the store's time`);
            return failure('unavailable', headOf(key), 403, 'RequestTimeTooSkewed', false);
        }
        const viaSdk = await sdkHead(key);
        if (!(viaSdk instanceof StoreError)) {
            useSdkFromNowOn('S3 refused a HEAD signed here that it accepted from the SDK');
            return viaSdk;
        }
        if (viaSdk.kind !== 'forbidden')
            return viaSdk;
        // HEAD answers have no body: a listing's error names the cause (AccessDenied, clock, signature).
        try {
            await listOnce({ prefix: 'v1/processed_crash/', maxKeys: 1 });
        }
        catch (err) {
            const a = answerOf(err);
            const kind = classifyListFailure(a.status, a.code);
            if (kind === 'clock-skew' || kind === 'signature' || kind === 'unauthenticated') {
                return failure(kind, headOf(key), 403, a.code, false, err);
            }
        }
        return viaSdk;
    };
    const directHead = (t, signer, c, key) => {
        const path = t.pathPrefix + key;
        const date = signer.now(Date.now() + clockOffsetMs);
        const authorization = signer.headAuthorization(c, t.host, path, date);
        // Raw header pairs: no per-header validation and lower-casing inside node:http.
        const headers = c.sessionToken
            ? ['host', t.host, 'x-amz-content-sha256', EMPTY_SHA256, 'x-amz-date', date, 'x-amz-security-token', c.sessionToken, 'authorization', authorization, 'user-agent', s3_store_USER_AGENT]
            : ['host', t.host, 'x-amz-content-sha256', EMPTY_SHA256, 'x-amz-date', date, 'authorization', authorization, 'user-agent', s3_store_USER_AGENT];
        const options = {
            agent: t.https ? httpsAgent : httpAgent,
            hostname: t.hostname,
            port: t.port,
            method: 'HEAD',
            path,
            headers: headers,
            setHost: false,
            timeout: requestTimeout,
        };
        return new Promise((resolve) => {
            const onResponse = (res) => {
                res.resume();
                const status = res.statusCode ?? 0;
                resolve(status === 403 ? { status, date: res.headers.date } : { status, lastModified: res.headers['last-modified'] });
            };
            const req = t.https ? (0,external_node_https_.request)(options, onResponse) : (0,external_node_http_.request)(options, onResponse);
            req.on('timeout', () => req.destroy());
            // No answer (reset, refused, timeout): status 0, worth another try. Later events are no-ops.
            req.on('error', () => resolve({ status: 0 }));
            req.on('close', () => resolve({ status: 0 }));
            req.end();
        });
    };
    /**
     * One HEAD: the signed direct path when it handles the key, else the SDK. Found is the
     * object's Last-Modified (0 when not asked for or not given).
     */
    const headOnce = async (key, wantTime) => {
        if (direct === undefined)
            await resolveDirect();
        if (!direct || !PLAIN_KEY.test(key))
            return sdkHeadSaved(key);
        const now = Date.now();
        if (creds === undefined || now - credsAt > CREDENTIALS_RECHECK_MS) {
            const { lister, header } = await sdkClients();
            try {
                // The SDK's provider: its default chain, memoized and refreshed before expiry.
                creds = (await header.config.credentials());
                credsAt = now;
            }
            catch (err) {
                return failure('no-credentials', headOf(key), 0, undefined, false, err);
            }
            // Measured by the SDK from its answers' Date (the bucket check's listing among them).
            clockOffsetMs = lister.config.systemClockOffset || clockOffsetMs;
        }
        const { status, date, lastModified } = await directHead(direct.target, direct.signer, creds, key);
        // A raw crash's saved time is only asked to chart an hour, and the README's policy does not
        // grant raw crashes: its 403 is taken as it is (the same signer's HEADs of processed crashes
        // prove the signing), never confirmed, and never taken for a refusal of the processed crashes.
        if (status === 403 && wantTime)
            return failure('forbidden', headOf(key), 403, 'AccessDenied', false);
        if (status === 403) {
            // Once S3 has refused for good, the HEADs still in flight get the same answer without asking again.
            if (refused)
                return refused;
            const v = await (confirming ??= confirm403(key, date).finally(() => (confirming = undefined)));
            if (v instanceof StoreError && v.kind !== 'unavailable')
                refused = v;
            return v === 'found' ? 0 : v;
        }
        const v = classifyObjectAnswer(status);
        if (v === 'missing')
            return v;
        if (v !== 'found')
            return failure(v, headOf(key), status, undefined, false);
        if (!wantTime)
            return 0;
        const t = lastModified ? Date.parse(lastModified) : NaN;
        return Number.isFinite(t) ? t : 0;
    };
    return {
        kind: 's3',
        bucket: Bucket,
        async listPage(q) {
            for (let tries = 1;; tries++) {
                try {
                    return await listOnce(q);
                }
                catch (err) {
                    const a = answerOf(err);
                    if (a.credentials)
                        throw failure('no-credentials', `a listing of ${q.prefix}`, 0, undefined, true, err);
                    if (a.status === 0 && err.name === 'TypeError')
                        throw err;
                    const kind = classifyListFailure(a.status, a.code);
                    // The SDK has just corrected its clock from this answer: one more try cures it.
                    if (kind === 'clock-skew' && tries === 1)
                        continue;
                    throw failure(kind, `a listing of ${q.prefix}`, a.status, a.code, true, err);
                }
            }
        },
        async head(key) {
            const a = await headOnce(key, false);
            return typeof a === 'number' ? 'found' : a;
        },
        savedAt(key) {
            return headOnce(key, true);
        },
        async close() {
            if (clients) {
                const { lister, header } = await clients;
                lister.destroy();
                header.destroy();
            }
            httpAgent.destroy();
            httpsAgent.destroy();
        },
    };
}
/**
 * Asks the SDK to build (not send) one HEAD, and keeps what it resolved: scheme, host, path
 * style, signing region. Anything the direct path does not do (another auth scheme, a query
 * string, an access point) gives undefined, and every HEAD then goes through the SDK.
 */
async function probeHeadTarget(sdk, client, bucket) {
    const cmd = new sdk.HeadObjectCommand({ Bucket: bucket, Key: PROBE_KEY });
    let seen;
    cmd.middlewareStack.add((_next, context) => (args) => {
        seen = { request: args.request, context: context };
        return Promise.reject(new Probed());
    }, { step: 'build', priority: 'low', name: 'socorroReprocessHeadProbe' });
    try {
        await client.send(cmd);
    }
    catch (err) {
        if (!(err instanceof Probed))
            return undefined;
    }
    if (!seen)
        return undefined;
    const req = seen.request;
    const endpoint = seen.context.endpointV2;
    const scheme = endpoint?.properties?.authSchemes?.[0];
    const path = req.path ?? '';
    if (req.method !== 'HEAD' ||
        (req.protocol !== 'http:' && req.protocol !== 'https:') ||
        !req.hostname ||
        Object.keys(req.query ?? {}).length > 0 ||
        !path.endsWith('/' + PROBE_KEY) ||
        (scheme && scheme.name !== 'sigv4')) {
        return undefined;
    }
    return {
        https: req.protocol === 'https:',
        hostname: req.hostname,
        port: req.port,
        host: req.headers?.host ?? (req.port ? `${req.hostname}:${req.port}` : req.hostname),
        pathPrefix: path.slice(0, path.length - PROBE_KEY.length),
        signingRegion: scheme?.signingRegion ?? (await client.config.region()),
        signingName: scheme?.signingName ?? 's3',
    };
}

;// CONCATENATED MODULE: ./src/ports/open-store.ts



/**
 * The store a configuration names. S3 credentials come from `env` when it has keys (the CLI's
 * environment, which tests pass in-process), else from the AWS SDK's default chain; GCS
 * credentials from Application Default Credentials in the process environment (anonymous for an
 * emulator without any, and for one over plain http on another machine).
 */
function openStore(config, env, opts = {}) {
    if (config.kind === 'gcs') {
        return gcsStore({
            bucket: config.bucket,
            endpoint: config.endpoint,
            tokens: adcTokens({ anonymousIfNoFile: !!config.emulator, anonymous: config.tokenless }),
            maxSockets: opts.maxSockets,
        });
    }
    const credentials = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined }
        : undefined;
    return s3Store({
        bucket: config.bucket,
        endpoint: config.endpoint,
        region: config.region,
        pathStyle: config.pathStyle,
        credentials,
        maxSockets: opts.maxSockets,
        log: opts.log,
    });
}

;// CONCATENATED MODULE: ./src/ports/socorro-api.ts




const NETWORK_CODES = new Set([
    'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'EAI_AGAIN',
    'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);
/** The body Socorro expects: `crash_ids` once per id, form-encoded. */
function reprocessingForm(crashIds, ruleset) {
    const form = new URLSearchParams();
    for (const id of crashIds)
        form.append('crash_ids', ruleset ? `${id}:${ruleset}` : id);
    return form.toString();
}
/**
 * Socorro's API over undici: one keep-alive pool, and undici's RetryAgent for 429, 5xx and
 * network errors with the project's one backoff policy (core/retry.ts), Retry-After honoured.
 */
function socorroApi(opts) {
    const base = new URL(opts.apiUrl.replace(/\/+$/, '') + '/');
    const reprocessing = new URL('api/Reprocessing/', base);
    const superSearch = new URL('api/SuperSearch/', base);
    const timeout = opts.timeoutMs ?? 60_000;
    const policy = opts.policy ?? API_RETRY;
    // Error pages can echo the request's headers (debug pages, some proxies): the token must not reach a log.
    const hide = (s) => redact(s, opts.token);
    // undici is loaded on the first request: a dry run never pays for it.
    let lazy;
    const dispatcher = () => (lazy ??= makeDispatcher());
    const makeDispatcher = async () => {
        const { Agent, RetryAgent } = await __webpack_require__.e(/* import() */ 752).then(__webpack_require__.t.bind(__webpack_require__, 6752, 19));
        const agent = new Agent({ connections: 4, keepAliveTimeout: 10_000, headersTimeout: timeout, bodyTimeout: timeout });
        return new RetryAgent(agent, {
            // POST is not retried by default: a Reprocessing request only queues ids, and a repeat
            // of a batch whose answer was lost costs one extra processing, not a lost crash.
            methods: ['GET', 'POST'],
            statusCodes: [429, 500, 502, 503, 504],
            throwOnError: false,
            retry(err, ctx, cb) {
                const e = err;
                const attempt = ctx.state.counter;
                // A search's 429 goes back to the mode's pace (core/rate-limit.ts), which holds every
                // request until the window ends: retried here, each request would probe the spent window.
                if (e.statusCode === 429 && String(ctx.opts.path).startsWith(superSearch.pathname))
                    return cb(err);
                const transient = e.statusCode ? isRetryableApiStatus(e.statusCode) : NETWORK_CODES.has(e.code ?? '') || e.code === 'UND_ERR_REQ_RETRY';
                if (!transient || attempt >= policy.attempts || opts.signal?.aborted)
                    return cb(err);
                const wait = backoffMs(policy, attempt, parseRetryAfter(e.headers?.['retry-after'], Date.now()));
                opts.onRetry?.(e.statusCode ? `HTTP ${e.statusCode}` : (e.code ?? e.message), attempt, wait);
                const stop = () => {
                    clearTimeout(timer);
                    cb(err);
                };
                const timer = setTimeout(() => {
                    opts.signal?.removeEventListener('abort', stop);
                    cb(null);
                }, wait);
                opts.signal?.addEventListener('abort', stop, { once: true });
                return timer;
            },
        });
    };
    const headers = (extra) => ({
        ...extra,
        ...(opts.token ? { 'auth-token': opts.token } : {}),
        'user-agent': 'socorro-reprocess',
    });
    const call = async (method, url, extraHeaders, body) => {
        try {
            const res = await (await dispatcher()).request({ origin: url.origin, path: url.pathname + url.search, method, headers: headers(extraHeaders), body });
            const text = await res.body.text();
            const ok = res.statusCode >= 200 && res.statusCode < 300;
            const answer = { status: res.statusCode, body: ok ? text : hide(text).slice(0, 500) };
            if (res.statusCode === 429) {
                const after = parseRetryAfter(res.headers['retry-after'], Date.now());
                if (after !== undefined)
                    answer.retryAfterMs = after;
            }
            return answer;
        }
        catch (err) {
            const e = err;
            if (typeof e.statusCode === 'number')
                return { status: e.statusCode, body: hide(e.message) };
            return { status: 0, body: '', error: hide(e.code ? `${e.code}: ${e.message}` : e.message) };
        }
    };
    return {
        submit(crashIds) {
            return call('POST', reprocessing, { 'content-type': 'application/x-www-form-urlencoded' }, reprocessingForm(crashIds, opts.ruleset));
        },
        idsPerSearch: idsPerSearch(superSearch.pathname),
        async search(crashIds, variant = 0) {
            const url = new URL(superSearch);
            url.search = searchQuery(crashIds, variant);
            const a = await call('GET', url, { accept: 'application/json' });
            if (a.status < 200 || a.status >= 300)
                return a;
            try {
                const hits = JSON.parse(a.body).hits;
                if (!Array.isArray(hits))
                    return { status: 0, body: a.body.slice(0, 200), error: 'the search answer had no hits list' };
                const asked = new Set(crashIds);
                a.found = new Set(hits.map((h) => h.uuid).filter((u) => typeof u === 'string' && asked.has(u)));
                a.body = '';
                return a;
            }
            catch {
                return { status: 0, body: a.body.slice(0, 200), error: 'the search answer was not JSON' };
            }
        },
        async histogram(date, window) {
            const url = new URL(superSearch);
            url.search = histogramQuery(date, window);
            const a = await call('GET', url, { accept: 'application/json' });
            if (a.status < 200 || a.status >= 300)
                return a;
            let parsed;
            try {
                parsed = JSON.parse(a.body);
            }
            catch {
                return { status: 0, body: a.body.slice(0, 200), error: 'the search answer was not JSON' };
            }
            const hours = histogramHours(parsed, date);
            if (!hours)
                return { status: 0, body: a.body.slice(0, 200), error: 'the search answer had no date histogram (facets.histogram_date)' };
            return { status: a.status, body: '', hours };
        },
        async close() {
            if (lazy)
                await (await lazy).close();
        },
    };
}

// EXTERNAL MODULE: ./node_modules/cli-progress/cli-progress.js
var cli_progress = __webpack_require__(8502);
var cli_progress_default = /*#__PURE__*/__webpack_require__.n(cli_progress);
;// CONCATENATED MODULE: ./src/cli/reporter.ts


/** A bar on a terminal, a line every few seconds otherwise (CI logs, pipes). Both on stderr. */
function cliReporter(stream = process.stderr, quiet = false) {
    const info = (msg) => {
        if (!quiet)
            stream.write(msg + '\n');
    };
    const warn = (msg) => stream.write(`warning: ${msg}\n`);
    if (quiet)
        return { info, warn, start: () => ({ update() { }, stop() { } }) };
    if (!stream.isTTY)
        return { info, warn, ...periodicProgress(info, 5000) };
    return {
        info,
        warn,
        start(label, total) {
            const bar = new (cli_progress_default()).SingleBar({
                stream,
                format: `${label} [{bar}] {percentage}% {value}/{total} {extra} eta {eta_formatted}`,
                etaBuffer: 200,
                fps: 5,
                hideCursor: true,
            }, (cli_progress_default()).Presets.shades_classic);
            bar.start(total, 0, { extra: '' });
            return {
                update(done, counts) {
                    bar.update(done, { extra: counts ? Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ') : '' });
                },
                stop() {
                    bar.stop();
                },
            };
        },
    };
}

;// CONCATENATED MODULE: ./src/cli/main.ts

















/** GitHub runs at most 256 jobs from one matrix: chunks meant for a workflow stay within it by default. */
const DEFAULT_MAX_CHUNKS = 256;
/** The options this CLI has, spelled as flags; the rest (the action's api-token, chunk) it does not have. */
const FLAGS = {
    dates: '--dates',
    bucket: '--bucket',
    storage: '--storage',
    layout: '--layout',
    chunkSize: '--chunk-size',
    maxChunks: '--max-chunks',
    since: '--since',
    until: '--until',
    hours: '--hours',
    concurrency: '--concurrency',
    apiUrl: '--api-url',
    batchSize: '--batch-size',
    sleep: '--sleep',
    max: '--max',
    allowMany: '--allow-many',
    ruleset: '--ruleset',
    dryRun: '--dry-run',
    endpoint: '--endpoint',
    region: '--region',
    pathStyle: '--path-style',
    skipInvalid: '--skip-invalid',
    search: '--search',
    wait: '--wait',
    every: '--every',
    minMissing: '--min-missing',
    minShare: '--min-share',
    out: '--out',
};
const spell = (name) => FLAGS[name];
/** Commander's parsed options (camelCase, as our option names) as RawOptions. */
function raw(o) {
    const r = {};
    for (const name of Object.keys(FLAGS)) {
        const v = o[name];
        if (typeof v === 'string' || typeof v === 'boolean')
            r[name] = v;
    }
    return r;
}
function addCommon(cmd) {
    return cmd
        .option('--out <dir>', 'folder for uuids.txt, chunks/, haves.txt, havenots.txt, reprocessed.txt', '.')
        .option('-q, --quiet', 'no progress, only the summary and errors');
}
const BUCKET_HELP = 'the bucket holding the crashes: gs://NAME (Google Cloud Storage, Socorro since Jul 2024), s3://NAME or NAME (S3)';
/** The options of the commands that read a store. */
function addStore(cmd) {
    return cmd
        .requiredOption('--bucket <bucket>', BUCKET_HELP)
        .addOption(new commander/* Option */.c$('--storage <store>', 'the store, when the bucket has no scheme: s3 (the default) or gcs').choices(['s3', 'gcs']))
        .option('--endpoint <url>', 'the store\'s endpoint (S3: default AWS_ENDPOINT_URL_S3, else AWS; GCS: default STORAGE_EMULATOR_HOST, else storage.googleapis.com)')
        .option('--region <region>', 'S3 region (default: AWS_REGION, else us-west-2)')
        .option('--path-style', 'path-style S3 URLs (for S3-compatible servers)');
}
/** A retry of Socorro's API, as a warning line. */
const retryLine = (reporter) => (why, attempt, waitMs) => reporter.warn(`API: ${why}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)}s`);
function searchLine(searched, requests, notSearchable, search) {
    return (`  search: ${searched} stored crash(es) looked up in ${requests} request(s) to ${search.api.apiUrl}/api/SuperSearch/` +
        `${search.api.token ? '' : ' (no token: paced at 90 a minute)'}; ${notSearchable} in storage but not searchable (havenots)`);
}
const EXAMPLES = `
Examples:
  $ socorro-reprocess list --bucket gs://my-crashes --dates 20240915..20240916
  $ socorro-reprocess check chunks/uuids-0-50000.txt --bucket gs://my-crashes
  $ socorro-reprocess list --bucket my-old-s3-crashes --dates 20160915 --layout v2
  $ socorro-reprocess check chunks/uuids-0-50000.txt --bucket gs://my-crashes --search
  $ SOCORRO_API_TOKEN=... socorro-reprocess reprocess --dry-run
  $ SOCORRO_API_TOKEN=... socorro-reprocess reprocess
  $ socorro-reprocess verify --bucket gs://my-crashes --search --wait 15
  $ socorro-reprocess scan --bucket gs://my-crashes --dates 20260301..20260331

Exit codes: 0 done, 1 the run failed (partial results kept; rerun to finish), 2 bad usage or input (nothing done); scan: 3 an outage window was found.
GCS credentials: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC file, the metadata server); the token goes only over https or to loopback.
AWS credentials: the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...).
The contract: docs/CONTRACT.md; files are one crash id per line.`;
async function main(argv, io = { stdout: (s) => process.stdout.write(s), stderr: process.stderr, env: process.env }) {
    const { env } = io;
    const ctx = { spell, env };
    const say = (line) => io.stdout(line + '\n');
    // A command that ends well but must say something with its exit code (scan: a window found).
    let exitCode = 0;
    const program = new commander/* Command */.uB('socorro-reprocess')
        .description('Find Socorro crashes saved (to Google Cloud Storage or S3) but never processed, and send them to the Reprocessing API.')
        .addHelpText('after', EXAMPLES)
        .configureOutput({
        writeOut: (s) => io.stdout(s),
        writeErr: (s) => io.stderr.write(s),
        // One line, like every other error: commander's message (and any "Did you mean" hint), then where the usage is.
        outputError: (s, write) => write(`${oneLine(s)} (run with --help for usage)\n`),
    })
        .exitOverride();
    addStore(addCommon(program
        .command('list')
        .description('List every raw crash saved on the dates: writes uuids.txt and chunks/uuids-{start}-{end}.txt')
        .requiredOption('--dates <dates>', 'YYYYMMDD, comma/space separated, or inclusive ranges YYYYMMDD..YYYYMMDD')
        .addOption(new commander/* Option */.c$('--layout <layout>', 'raw crash key layout: v1 (since Sep 2022) or v2 (May 2016 - Sep 2022)').default('v1'))
        .option('--chunk-size <n>', 'ids per chunk file', String(DEFAULT_CHUNK_SIZE))
        .option('--max-chunks <n>', 'the most chunk files to write: the chunk size is raised (with a warning) to stay within it. 256 is a GitHub matrix\'s job limit; 0 for no limit', String(DEFAULT_MAX_CHUNKS))
        .option('--since <HH:MM>', 'keep only raw crashes saved at or after this time (UTC) on each date')
        .option('--until <HH:MM>', 'keep only raw crashes saved up to the end of this minute (UTC) on each date')
        .option('--hours <HH:MM..HH:MM>', 'both at once: --hours 03:00..07:59 is --since 03:00 --until 07:59 (either end may be left out)'))).action(async (o) => {
        const { store: config, list } = parseListOptions(raw(o), o.out, ctx);
        const reporter = cliReporter(io.stderr, o.quiet);
        const store = openStore(config, env, { maxSockets: 64, log: reporter });
        await (0,promises_.mkdir)(o.out, { recursive: true });
        try {
            const r = await runList(list, { store, reporter });
            say(`listed ${r.total} crash id(s) on ${list.dates.length} date(s) in ${formatDuration(r.elapsedMs)} (${r.requests} list requests)`);
            for (const d of r.dates)
                say(`  ${d.date}: ${d.listed}${d.junk ? `, ${d.junk} other key(s) ignored` : ''}${d.outsideWindow ? `, ${d.outsideWindow} outside --since/--until` : ''}`);
            say(`wrote ${r.uuidsFile} and ${r.plan.chunks.length} chunk(s) of up to ${r.plan.chunkSize} in ${o.out}/chunks/`);
        }
        finally {
            await store.close();
        }
    });
    addStore(addCommon(program
        .command('check')
        .description('HEAD v1/processed_crash/{id} for each id: appends to haves.txt (processed) or havenots.txt (404)')
        .argument('<file...>', 'files of crash ids (e.g. chunks/uuids-0-50000.txt)')
        .option('--concurrency <n>', 'HEAD requests in flight (lowered automatically while the store throttles)', String(DEFAULT_CHECK_CONCURRENCY))
        .option('--search', "processed means what Socorro means: in storage and in search (crash-stats' SuperSearch); stored crashes search lacks are havenots too")
        .option('--api-url <url>', 'Socorro base URL, for --search', DEFAULT_API_URL)
        .option('--skip-invalid', 'drop input lines that are not crash ids instead of refusing the file')
        .addHelpText('after', '\nWith --search, the API token (SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN) is sent if set: searches are then paced at 900 a minute instead of 90 (90 % of Socorro\'s per-IP limits, 1000 and 100).'))).action(async (files, o) => {
        const { store: config, check, search } = parseCheckOptions(raw(o), files, o.out, ctx);
        const reporter = cliReporter(io.stderr, o.quiet);
        const store = openStore(config, env, { maxSockets: check.concurrency, log: reporter });
        const api = search ? socorroApi({ ...search.api, onRetry: retryLine(reporter) }) : undefined;
        await (0,promises_.mkdir)(o.out, { recursive: true });
        // Ctrl-C: the HEADs in flight finish and are written, then the run stops; a rerun skips them.
        const interrupt = interruptSignal((m) => io.stderr.write(m + '\n'));
        try {
            const r = await runCheck({ ...check, signal: interrupt.signal }, { store, reporter, searchApi: api, searchPerMinute: search?.perMinute });
            const rate = r.elapsedMs > 0 ? Math.round(((r.haves + r.havenots) * 1000) / r.elapsedMs) : 0;
            say(`checked ${r.haves + r.havenots} of ${r.input} id(s) in ${formatDuration(r.elapsedMs)} (${rate}/s): haves ${r.haves}, havenots ${r.havenots}` +
                `${r.skipped ? `, ${r.skipped} skipped (already classified)` : ''}${r.errors ? `, ${r.errors} not checked (errors)` : ''}`);
            if (search)
                say(searchLine(r.searched, r.searchRequests, r.notSearchable, search));
            if (r.throttled)
                say(`  the store throttled ${r.throttled} time(s); concurrency ended at ${r.finalConcurrency}`);
            for (const line of hourChart(r.hours, { indent: '  ' }))
                say(line);
            if (r.hourLookups)
                say(`  ${r.hourLookups} havenot hour(s) asked of the store (the id files had no saved times from list): a request more each`);
            if (r.hoursUnknown)
                say(`  ${r.hoursUnknown} havenot(s) of unknown hour (the raw crash's saved time could not be found, or reading it was refused)`);
            if (r.failure)
                throw new RunError(r.failure);
        }
        finally {
            interrupt.dispose();
            await store.close();
            await api?.close();
        }
    });
    addStore(addCommon(program
        .command('verify')
        .description('Did the submitted crashes get processed? Checks each id as check does, polling the rest: writes verified.txt and unverified.txt')
        .argument('[file...]', 'files of crash ids (default: the ledger, reprocessed.txt in --out)')
        .option('--search', 'processed means in storage and in search, as check --search')
        .option('--api-url <url>', 'Socorro base URL, for --search', DEFAULT_API_URL)
        .option('--wait <minutes>', 'keep polling the ids not yet processed for this long (0: one pass)', '0')
        .option('--every <seconds>', 'seconds between polls', String(DEFAULT_EVERY_SECONDS))
        .option('--concurrency <n>', 'HEAD requests in flight', '64')
        .option('--skip-invalid', 'drop input lines that are not crash ids instead of refusing the file'))).action(async (files, o) => {
        const { store: config, verify, search } = parseVerifyOptions(raw(o), files, o.out, ctx);
        const reporter = cliReporter(io.stderr, o.quiet);
        const store = openStore(config, env, { maxSockets: verify.concurrency, log: reporter });
        const api = search ? socorroApi({ ...search.api, onRetry: retryLine(reporter) }) : undefined;
        const interrupt = interruptSignal((m) => io.stderr.write(m + '\n'));
        await (0,promises_.mkdir)(o.out, { recursive: true });
        try {
            const r = await runVerify({ ...verify, signal: interrupt.signal }, { store, reporter, searchApi: api, searchPerMinute: search?.perMinute });
            say(`verified ${r.verified} of ${r.input} in ${formatDuration(r.elapsedMs)} (${r.passes} pass(es)${r.alreadyVerified ? `, ${r.alreadyVerified} verified by an earlier run` : ''}): ${o.out}/verified.txt, ${o.out}/unverified.txt`);
            if (r.unverified) {
                say(`  not processed yet: ${r.firstUnverified.join(', ')}${r.unverified > r.firstUnverified.length ? `, … (${r.unverified} in all)` : ''}`);
                say(`  next: verify again later (--wait to poll); if they stay unprocessed, reprocess ${o.out}/unverified.txt and tell Socorro's on-call`);
            }
            if (r.failure)
                throw new RunError(r.failure);
            if (r.unverified)
                throw new RunError(`${r.unverified} of ${r.input} crash(es) not processed${verify.waitMinutes ? ` after ${verify.waitMinutes} minute(s)` : ''}; unverified.txt lists them`);
        }
        finally {
            interrupt.dispose();
            await store.close();
            await api?.close();
        }
    });
    addStore(addCommon(program
        .command('scan')
        .description('Where did crashes go unprocessed? Per date and UTC hour, raw crashes saved (the listing) against crashes search holds (SuperSearch\'s date histogram), ' +
        'without a request per crash: writes scan.json, prints the missing per hour, the outage windows and the reprocess dispatch that repairs each')
        .requiredOption('--dates <dates>', `YYYYMMDD, comma/space separated, or ranges YYYYMMDD..YYYYMMDD; yesterday and today (UTC) too. At most 183, none older than Socorro's 26 weeks of search (older: use check)`)
        .addOption(new commander/* Option */.c$('--layout <layout>', 'raw crash key layout: v1 (since Sep 2022) or v2 (May 2016 - Sep 2022)').default('v1'))
        .option('--hours <HH:MM..HH:MM>', 'only this window (UTC) of each date, in the listing and in search')
        .option('--api-url <url>', 'Socorro base URL (its SuperSearch)', DEFAULT_API_URL)
        .option('--min-missing <n>', "a window's hours each miss at least this many crashes...", String(DEFAULT_MIN_MISSING))
        .option('--min-share <p>', `...and at least this share of the hour's saved crashes (0.02 or 2%)`, String(DEFAULT_MIN_SHARE))
        .addHelpText('after', '\nThe API token (SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN; any token, no permission needed) is sent if set: searches are then paced at 900 a minute instead of 90 (90 % of Socorro\'s per-IP limits, 1000 and 100).' +
        '\nExit: 0 no outage window, 3 a window found (scan.json and the report list it), 1 the store or search failed (no scan.json), 2 bad usage.'))).action(async (o) => {
        const { store: config, scan, search } = parseScanOptions(raw(o), o.out, ctx, Date.now());
        const reporter = cliReporter(io.stderr, o.quiet);
        const store = openStore(config, env, { maxSockets: 64, log: reporter });
        const api = socorroApi({ ...search.api, onRetry: retryLine(reporter) });
        await (0,promises_.mkdir)(o.out, { recursive: true });
        try {
            const r = await runScan(scan, { store, reporter, searchApi: api, searchPerMinute: search.perMinute, anonymous: !search.api.token });
            for (const line of scanReport(r))
                say(line);
            say(`wrote ${r.file} in ${formatDuration(r.elapsedMs)}`);
            if (r.windows.length > 0)
                exitCode = SCAN_EXIT_WINDOW;
        }
        finally {
            await store.close();
            await api.close();
        }
    });
    addCommon(program
        .command('reprocess')
        .description("Submit crash ids to Socorro's Reprocessing API in batches; the ledger reprocessed.txt makes reruns safe")
        .argument('[file...]', 'files of crash ids (default: havenots.txt in --out)')
        .option('--api-url <url>', 'Socorro base URL', DEFAULT_API_URL)
        .option('--batch-size <n>', `ids per request (at most ${MAX_BATCH_SIZE})`, String(DEFAULT_BATCH_SIZE))
        .option('--sleep <seconds>', 'seconds from the start of one batch to the start of the next', String(DEFAULT_SLEEP_SECONDS))
        .option('--max <n>', 'refuse (send nothing) when more ids than this are to be sent', String(DEFAULT_MAX))
        .option('--allow-many', "send more than --max ids. Large jobs fill the processing queue and can page Socorro's on-call: tell them first (#crashreporting on Matrix)")
        .addOption(new commander/* Option */.c$('--ruleset <name>', 'processing ruleset').choices(RULESETS))
        .option('--dry-run', 'say what would be sent; send nothing')
        .option('--skip-invalid', 'drop input lines that are not crash ids instead of refusing the file')
        .addHelpText('after', "\nThe API token is read from SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN; it needs the 'Reprocess Crashes' permission.")).action(async (files, o) => {
        const { api, reprocess } = parseReprocessOptions(raw(o), files, o.out, ctx);
        const reporter = cliReporter(io.stderr, o.quiet);
        const interrupt = interruptSignal((m) => io.stderr.write(m + '\n'));
        const r = await runReprocess({ ...reprocess, signal: interrupt.signal }, { api: (onRetry) => socorroApi({ ...api, onRetry }), reporter, spell }).finally(() => interrupt.dispose());
        if (r.dryRun) {
            say(`dry run: ${r.toSend} id(s) would be submitted in ${r.batches} batch(es) to ${api.apiUrl}/api/Reprocessing/` +
                `${r.alreadySubmitted ? ` (${r.alreadySubmitted} already in the ledger)` : ''}; nothing was sent`);
            return;
        }
        say(`submitted ${r.submitted} of ${r.toSend} id(s) in ${r.batches} batch(es), ${formatDuration(r.elapsedMs)}` +
            `${r.rejected ? `; ${r.rejected} rejected as invalid (rejected.txt)` : ''}` +
            `${r.alreadySubmitted ? `; ${r.alreadySubmitted} already in the ledger` : ''}; ledger ${r.ledgerFile}`);
        if (r.failure)
            throw new RunError(r.failure);
    });
    try {
        if (argv.length === 0) {
            program.outputHelp();
            return 2;
        }
        await program.parseAsync(argv, { from: 'user' });
        return exitCode;
    }
    catch (err) {
        if (err instanceof commander/* CommanderError */.b7) {
            if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
                return 0;
            return 2; // commander already printed its one-line error
        }
        io.stderr.write(`error: ${oneLine(err)}\n`);
        return exitCodeFor(err);
    }
}


/***/ })

};
