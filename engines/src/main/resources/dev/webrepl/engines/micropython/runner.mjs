// A board-like MicroPython REPL on stdin/stdout from MicroPython's WebAssembly port (npm package
// @micropython/micropython-webassembly-pyscript), for hosts without a `micropython` binary.
//
//   node runner.mjs --package DIR --root HOSTDIR [--heapsize BYTES] [--interrupt-grace-ms MS]
//
// DIR holds micropython.mjs and micropython.wasm; HOSTDIR becomes MicroPython's "/" through the
// VFS in hostvfs.py (next to this file). stdin bytes go to MicroPython's REPL (pyexec: friendly
// REPL, raw REPL with Ctrl-A, paste mode with Ctrl-E) one by one, in order; its output goes to
// stdout as a board's UART sends it. Raw-paste mode (Ctrl-E "A" Ctrl-A in the raw REPL) is done
// by this file (see drain()), because the port's own spins. Exit status 0 when stdin ends: input
// still queued is processed first, but code that makes no progress for --interrupt-grace-ms
// after the end is abandoned.
//
// Threads: the VM runs in a worker thread, because while it executes code it does not return to
// the event loop; the main thread keeps reading stdin and can still act on Ctrl-C.
//  - Ctrl-C: the main thread counts each 0x03 in a SharedArrayBuffer before forwarding it. The
//    worker hooks the VM's calls out to JS (every output write, time.ticks_ms/time()/sleep); when
//    one happens while the VM accepts an interrupt (mp_hal_get_interrupt_char() == 3), it calls
//    mp_sched_keyboard_interrupt(), the Ctrl-C byte is not delivered as input, and the code gets
//    a real KeyboardInterrupt. Code that never calls out (`while True: pass`) cannot be reached:
//    after --interrupt-grace-ms without progress the main thread ends the worker, prints
//    KeyboardInterrupt and soft-reboots (a fresh VM; state is lost, files are not).
//  - Soft reset (Ctrl-D at an empty friendly prompt, Ctrl-D in an empty raw REPL, sys.exit(),
//    machine.soft_reset()): the worker reports how much input it consumed and ends; a new worker
//    (a fresh VM in this process) prints "MPY: soft reboot" and the banner (or the raw REPL's
//    greeting when the old one was in raw REPL, as a board stays in raw REPL) and gets the rest of
//    the input.
//  - Output: the port's print() writes "\n"; a board's UART sends "\r\n". Every "\n" not already
//    preceded by "\r" becomes "\r\n" (a board would also turn print("a\r\n") into "a\r\r\n"; this
//    runner sends "a\r\n"), except in the friendly REPL's paste mode: from its banner (the answer to
//    Ctrl-E) to the Ctrl-C or Ctrl-D that ends it, the echo of each byte is sent raw, as a board's
//    pyexec.c sends it ("\n" as "\n"; Thonny checks that echo). Nothing else is changed; output is
//    sent after every write the VM makes, so ">>> " appears at once. At most OUTPUT_CREDIT bytes are
//    in flight to stdout: then the VM waits.
//  - Input: at most INPUT_LIMIT bytes are queued for the VM; then stdin is paused (a Ctrl-C sent
//    after that is seen only once the VM takes input again).
//  - input() and sys.stdin in running code read the same input, waiting for it as a board's UART
//    read does; a Ctrl-C there is the byte 3 (input() raises KeyboardInterrupt); end-of-file once
//    stdin ended. input() is hostvfs.py's (the port's own spins without reading).
//  - time.sleep() in the port spins on the clock; the clock hook turns the spin into 1 ms pauses.
//  - A JS exception escaping the VM (e.g. Node's permission model refusing a call made through
//    MicroPython's js module) ends that VM: its message is printed and a fresh VM soft-reboots.
//  - Not a sandbox: MicroPython's js module reaches Node's globals. WasmRunner.java adds Node's
//    permission flags (Node >= 20); run this inside the engine's sandbox regardless.
import { MessageChannel, Worker, isMainThread, parentPort, receiveMessageOnPort, workerData }
    from 'node:worker_threads';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const OUTPUT_CREDIT = 256 * 1024;
const MESSAGE_COST = 256;  // what a message costs beyond its bytes, counted against the credit
const INPUT_LIMIT = 1024 * 1024;
const CTRL_C = 0x03;
const MAX_OPEN_FILES = 64;
// SharedArrayBuffer slots (Int32): Ctrl-C bytes forwarded but neither taken as an interrupt nor
// consumed as input; 1 while the VM is inside replProcessChar; bytes processed (progress);
// output bytes posted but not yet written; input messages posted (counter the VM waits on in
// input()); 1 once stdin ended; always 0 (what a pause waits on); open host file descriptors
// (MAX_OPEN_FILES slots, -1 free).
const PENDING_CTRL_C = 0, BUSY = 1, PROGRESS = 2, OUTPUT_IN_FLIGHT = 3, INPUT_POSTED = 4, INPUT_ENDED = 5;
const NEVER = 6, FD_SLOTS = 7;
// What pyexec.c answers to Ctrl-E at the friendly prompt.
const PASTE_BANNER = '\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ';
const SLOTS = FD_SLOTS + MAX_OPEN_FILES;

if (isMainThread) {
    main();
} else {
    await vm(workerData);
}

// ---------------------------------------------------------------- main thread: stdin, stdout, VMs

function main() {
    const options = parseArguments(process.argv.slice(2));
    const stdin = process.stdin;
    if (stdin.isTTY) stdin.setRawMode(true);

    let worker = null;
    let shared = null;
    let input = null;        // the port input goes to the current worker through
    let unconsumed = [];     // Buffers posted to the current worker and not yet acknowledged
    let unconsumedBytes = 0;
    let rawMode = false;     // the REPL mode the current worker last reported
    let ended = false;       // stdin reached end-of-file
    let watch = null;        // the Ctrl-C / end-of-input progress timer
    let lastProgress = -1;

    // announce: print "MPY: soft reboot" and the banner or raw REPL greeting (not after a
    // Ctrl-C restart in raw REPL, whose client waits for the end of its command only).
    const start = (reboot, raw, replay, announce = true) => {
        shared = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
        for (let i = 0; i < MAX_OPEN_FILES; i++) shared[FD_SLOTS + i] = -1;
        if (ended) shared[INPUT_ENDED] = 1;
        // Input has a port of its own, which the VM can also read synchronously (input()).
        const channel = new MessageChannel();
        const current = new Worker(new URL(import.meta.url), {
            workerData: { ...options, shared: shared.buffer, reboot, raw, announce, input: channel.port2 },
            transferList: [channel.port2],
            stdout: false, stderr: false,
        });
        if (input) input.close();
        input = channel.port1;
        worker = current;
        rawMode = raw;
        current.on('message', (m) => { if (worker === current) onMessage(m); });
        let ready = false;
        current.on('error', (e) => {
            if (worker !== current) return;
            if (!ready) {
                process.stderr.write(`micropython runner: ${e && e.stack || e}\n`);
                process.exit(1);
            }
            // A JS exception escaped the VM (a call through the js module the host refused, say):
            // the VM is gone; start a fresh one as a board's watchdog would.
            // Its unprocessed input is dropped with it (replayed, it could fail the same way).
            worker = null;
            closeFiles(shared);
            process.stdout.write(`\r\n${String(e && e.message || e).split('\n')[0]}\r\n`);
            start(true, false, []);
        });
        current.once('message', () => { ready = true; });
        unconsumed = [];
        unconsumedBytes = 0;
        for (const chunk of replay) send(chunk);
    };

    const send = (chunk) => {
        if (chunk.length === 0) return;
        let ctrlC = 0;
        for (const b of chunk) if (b === CTRL_C) ctrlC++;
        if (ctrlC) Atomics.add(shared, PENDING_CTRL_C, ctrlC);
        unconsumed.push(chunk);
        unconsumedBytes += chunk.length;
        input.postMessage(new Uint8Array(chunk));  // a copy: a view of a pooled buffer is cloned whole
        Atomics.add(shared, INPUT_POSTED, 1);
        Atomics.notify(shared, INPUT_POSTED);
        if (unconsumedBytes > INPUT_LIMIT) stdin.pause();
        if (ctrlC) arm();
    };

    const acknowledge = (n) => {
        unconsumedBytes -= n;
        while (n > 0) {
            const head = unconsumed[0];
            if (head.length <= n) {
                unconsumed.shift();
                n -= head.length;
            } else {
                unconsumed[0] = head.subarray(n);
                n = 0;
            }
        }
        if (unconsumedBytes <= INPUT_LIMIT / 2 && !ended) stdin.resume();
        if (ended && unconsumedBytes === 0) finish();
    };

    const onMessage = (m) => {
        if (m.out) {
            const len = m.out.length + MESSAGE_COST;
            const sab = shared;
            process.stdout.write(m.out, () => {
                Atomics.sub(sab, OUTPUT_IN_FLIGHT, len);
                Atomics.notify(sab, OUTPUT_IN_FLIGHT);
            });
        } else if (m.mode !== undefined) {
            rawMode = m.mode === 'raw';
        } else if (m.ack !== undefined) {
            acknowledge(m.ack);
        } else if (m.reset) {
            const old = worker;
            acknowledge(m.consumed);
            const rest = unconsumed;
            worker = null;
            old.terminate();
            start(true, m.raw, rest);
            if (ended && unconsumedBytes === 0) finish();
        }
    };

    // Bounds a Ctrl-C the VM cannot take (and the wait for input after end-of-file): while bytes
    // are pending, check every grace period that the VM made progress.
    const arm = () => {
        if (watch) clearInterval(watch);
        lastProgress = Atomics.load(shared, PROGRESS);
        watch = setInterval(check, options.interruptGraceMs);
    };
    const check = () => {
        const progress = Atomics.load(shared, PROGRESS);
        const stuck = progress === lastProgress && Atomics.load(shared, BUSY) === 1;
        lastProgress = progress;
        if (ended && stuck) {
            process.exit(0);
        }
        if (Atomics.load(shared, PENDING_CTRL_C) > 0 && stuck) {
            interruptByRestart();
        } else if (Atomics.load(shared, PENDING_CTRL_C) === 0 && !ended) {
            clearInterval(watch);
            watch = null;
        }
    };
    const interruptByRestart = () => {
        const old = worker;
        const sab = shared;
        worker = null;
        // Its host files are closed once it has stopped (not before: a number closed early could be
        // reused by the next VM's open while the old one still writes to it).
        old.terminate().then(() => closeFiles(sab));
        // The Ctrl-C is taken: drop the input up to and including the first pending one.
        const rest = Buffer.concat(unconsumed);
        const at = rest.indexOf(CTRL_C);
        const replay = [rest.subarray(at + 1)];
        process.stdout.write(rawMode ? '\x04KeyboardInterrupt\r\n\x04>' : '\r\nKeyboardInterrupt\r\n');
        clearInterval(watch);
        watch = null;
        start(true, rawMode, replay, !rawMode);
    };

    const finish = () => {
        if (input) input.close();
        if (worker) worker.terminate();
        worker = null;
        process.stdin.destroy();
        if (watch) clearInterval(watch);
        watch = null;
        process.exitCode = 0;
    };

    process.stdout.on('error', () => process.exit(0));
    stdin.on('data', (chunk) => send(chunk));
    stdin.on('end', () => {
        ended = true;
        Atomics.store(shared, INPUT_ENDED, 1);
        Atomics.add(shared, INPUT_POSTED, 1);
        Atomics.notify(shared, INPUT_POSTED);
        if (unconsumedBytes === 0) finish();
        else arm();
    });
    start(false, false, []);
}

function parseArguments(args) {
    const options = { heapsize: 1024 * 1024, interruptGraceMs: 2000 };
    for (let i = 0; i < args.length; i++) {
        const value = args[i + 1];
        switch (args[i]) {
            case '--package': options.packageDir = value; i++; break;
            case '--root': options.root = value; i++; break;
            case '--heapsize': options.heapsize = Number(value); i++; break;
            case '--interrupt-grace-ms': options.interruptGraceMs = Number(value); i++; break;
            default: usage(`unknown argument ${args[i]}`);
        }
    }
    if (!options.packageDir || !options.root) usage('--package and --root are required');
    if (!(options.heapsize > 0) || !(options.interruptGraceMs > 0)) usage('bad number');
    options.root = fs.realpathSync(options.root);
    if (!fs.statSync(options.root).isDirectory()) usage(`not a directory: ${options.root}`);
    return options;
}

function usage(message) {
    process.stderr.write(`micropython runner: ${message}\n` +
        'usage: node runner.mjs --package DIR --root HOSTDIR [--heapsize BYTES] [--interrupt-grace-ms MS]\n');
    process.exit(2);
}

// ---------------------------------------------------------------- worker thread: one VM

async function vm({ packageDir, root, heapsize, shared: sharedBuffer, reboot, raw, announce, input }) {
    const shared = new Int32Array(sharedBuffer);
    let exports = null;  // the wasm instance's exports (memory, interrupt functions)
    let skipCtrlC = 0;   // Ctrl-C bytes taken as interrupts, still to be dropped from the input
    let quiet = false;   // output captured instead of sent (banner, raw REPL greeting)
    let capture = '';

    // Output: bytes of the current write, board line endings, sent after each write call.
    let pending = [];
    let previous = 0;
    let tail = '';
    let dropOk = 0;      // the "OK" of a raw-paste command's raw REPL answer, still to be dropped
    let flushes = 0;     // output sends so far (did a byte produce output?)
    let pasteMode = false;  // in the friendly REPL's paste mode: its echo is not translated
    const collect = (bytes) => {
        for (const b of bytes) {
            if (dropOk > 0 && b === (dropOk === 2 ? 0x4f : 0x4b)) {
                dropOk--;
                continue;
            }
            if (b === 0x0a && previous !== 0x0d && !pasteMode) pending.push(0x0d);
            pending.push(b);
            previous = b;
        }
    };
    const flush = () => {
        if (pending.length === 0) return;
        // A buffer of its own, transferred: a view of Buffer's shared pool would be cloned whole.
        const out = new Uint8Array(pending);
        pending = [];
        flushes++;
        const text = Buffer.from(out.buffer).toString('latin1');
        tail = (tail + text).slice(-64);
        if (quiet) {
            capture += text;
            return;
        }
        for (;;) {
            const inFlight = Atomics.load(shared, OUTPUT_IN_FLIGHT);
            if (inFlight <= OUTPUT_CREDIT) break;
            Atomics.wait(shared, OUTPUT_IN_FLIGHT, inFlight);
        }
        Atomics.add(shared, OUTPUT_IN_FLIGHT, out.length + MESSAGE_COST);
        parentPort.postMessage({ out }, [out.buffer]);
    };
    const pollInterrupt = () => {
        if (exports && Atomics.load(shared, PENDING_CTRL_C) > 0
                && exports.mp_hal_get_interrupt_char() === CTRL_C) {
            Atomics.sub(shared, PENDING_CTRL_C, 1);
            skipCtrlC++;
            exports.mp_sched_keyboard_interrupt();
        }
    };

    // time.sleep() in this port reads the clock in a loop until the time has passed: 2 s of sleep
    // took 2 s of CPU. Many clock reads within one millisecond are a wait: pause 1 ms between them.
    let clockMs = -1;
    let clockReads = 0;
    const pace = () => {
        const now = Date.now();
        if (now !== clockMs) {
            clockMs = now;
            clockReads = 0;
        } else if (++clockReads > 20) {
            Atomics.wait(shared, NEVER, 0, 1);
        }
    };

    // The VM's calls out to JS are the only moments this thread runs while code executes: wrap
    // the imports that running code reaches (output, clocks) to flush output and take Ctrl-C.
    const instantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = async (source, imports) => {
        const wrapped = { ...imports.env };
        const after = (name, extra) => {
            const original = wrapped[name];
            wrapped[name] = (...args) => {
                const r = original(...args);
                extra();
                return r;
            };
        };
        after('fd_write', () => { flush(); pollInterrupt(); });
        after('mp_js_ticks_ms', () => { pollInterrupt(); pace(); });
        after('mp_js_time_ms', () => { pollInterrupt(); pace(); });
        const result = await instantiate(source, { ...imports, env: wrapped, wasi_snapshot_preview1: wrapped });
        exports = (result.instance || result).exports;
        return result;
    };
    const { loadMicroPython } = await import(pathToFileURL(path.join(packageDir, 'micropython.mjs')).href);
    const mp = await loadMicroPython({
        heapsize, linebuffer: false, stdout: collect, stderr: collect, stdin: () => readForCode(),
    });
    WebAssembly.instantiate = instantiate;

    // terminal: the REPL's input and output for hostvfs.py's input().
    const terminal = {
        read: () => readForCode(),
        echo: (byte) => {
            collect([byte]);
            flush();
            return 0;
        },
    };
    mp.registerJsModule('_hostfs', hostFunctions(root, shared, () => exports.memory, terminal));
    const here = path.dirname(fileURLToPath(import.meta.url));
    mp.globals.set('_hostvfs_source', fs.readFileSync(path.join(here, 'hostvfs.py'), 'utf8'));
    mp.runPython("exec(compile(_hostvfs_source, 'hostvfs.py', 'exec'), {'__name__': 'hostvfs'})\n"
        + 'del _hostvfs_source');

    // After a soft reset a board prints "MPY: soft reboot", then its banner, or in raw REPL the
    // raw REPL's greeting (it stays in raw REPL).
    const banner = captured(() => mp.replInit());
    const greeting = raw ? captured(() => mp.replProcessChar(0x01)) : '';
    if (announce) {
        const text = raw ? greeting : banner;
        emit(reboot ? 'MPY: soft reboot\r\n' + text.replace(/^\r\n/, '') : text);
    }
    parentPort.postMessage({ mode: raw ? 'raw' : 'friendly' });
    let mode = raw ? 'raw' : 'friendly';

    function captured(action) {
        quiet = true;
        capture = '';
        action();
        flush();
        quiet = false;
        return capture;
    }
    function emit(text) {
        tail = '';
        collect(Buffer.from(text, 'latin1'));
        flush();
    }

    // Input, in order, shared by the REPL (below) and by running code reading stdin (input()).
    const queue = [];
    let head = 0;           // index of the next byte in queue[0]
    let consumed = 0;       // bytes taken since the last acknowledgement
    let stopped = false;
    const next = () => {
        while (queue.length) {
            const chunk = queue[0];
            if (head < chunk.length) {
                consumed++;
                Atomics.add(shared, PROGRESS, 1);
                const b = chunk[head++];
                if (b !== CTRL_C) return b;
                if (skipCtrlC > 0) {
                    skipCtrlC--;  // already delivered as an interrupt
                    continue;
                }
                Atomics.sub(shared, PENDING_CTRL_C, 1);
                return b;
            }
            queue.shift();
            head = 0;
        }
        return undefined;
    };
    // stdin of running code: the next input byte, waiting for one (a board's UART read blocks);
    // null (end of file) once stdin ended. A Ctrl-C arrives as the byte 3, which input() turns into
    // KeyboardInterrupt.
    function readForCode() {
        for (;;) {
            const b = next();
            if (b !== undefined) return b;
            const posted = Atomics.load(shared, INPUT_POSTED);
            const message = receiveMessageOnPort(input);
            if (message) {
                queue.push(message.message);
                continue;
            }
            if (Atomics.load(shared, INPUT_ENDED)) return null;
            flush();
            Atomics.wait(shared, INPUT_POSTED, posted);
        }
    }
    // One byte to MicroPython's REPL; true when it asked for a soft reset (this VM is then done).
    let rawFresh = raw;  // in the raw REPL with nothing typed since its prompt
    const feed = (b) => {
        const modeBefore = mode;
        const flushesBefore = flushes;
        // Ctrl-C and Ctrl-D end paste mode (pyexec answers "\r\n"); what the pasted code prints is cooked.
        if (pasteMode && (b === CTRL_C || b === 0x04)) pasteMode = false;
        Atomics.store(shared, BUSY, 1);
        const result = mp.replProcessChar(b);
        Atomics.store(shared, BUSY, 0);
        flush();
        if (b === 0x05 && !pasteMode && tail.endsWith(PASTE_BANNER)) pasteMode = true;
        // A finished command leaves the raw REPL's "\x04>" or its greeting, or the friendly ">>> ".
        const atRawPrompt = /(\x04>|CTRL-B to exit\r\n>)$/.test(tail);
        const now = atRawPrompt ? 'raw' : />>> $/.test(tail) ? 'friendly' : mode;
        rawFresh = now === 'raw' && atRawPrompt && flushes !== flushesBefore;
        if (now !== mode) {
            mode = now;
            parentPort.postMessage({ mode });
        }
        if (result !== 0) {
            stopped = true;
            closeFiles(shared);
            input.close();
            parentPort.postMessage({ reset: true, raw: modeBefore === 'raw', consumed });
            return true;
        }
        return false;
    };
    const send = (bytes) => {
        collect(bytes);
        flush();
    };

    // Raw-paste mode (Ctrl-E "A" Ctrl-A at an empty raw REPL prompt, as mpremote and Thonny send):
    // the port answers that it supports it but then waits for the data with a spin that never
    // reads, so it is done here: the flow-controlled transfer (window PASTE_WINDOW, a Ctrl-A per
    // window taken), then the code goes to the raw REPL as a normal command whose "OK" is replaced
    // by raw paste's Ctrl-D acknowledgement; the rest of the answer is the same in both modes.
    const PASTE_WINDOW = 256;
    const PASTE_LIMIT = 1024 * 1024;
    let paste = null;  // null, or { state: 'E' | 'A' | 'data', code: [], sinceAck }
    const pasted = (b) => {
        if (paste.state === 'E') {
            paste = b === 0x41 ? { state: 'A' } : null;
            return paste !== null;
        }
        if (paste.state === 'A') {
            paste = b === 0x01 ? { state: 'data', code: [], sinceAck: 0 } : null;
            if (paste) send([0x52, 0x01, PASTE_WINDOW & 0xff, PASTE_WINDOW >> 8, 0x01]);
            return paste !== null;
        }
        if (b === 0x04) {
            const code = paste.code;
            paste = null;
            send([0x04]);
            dropOk = 2;
            for (const c of code) if (feed(c)) return true;
            feed(0x04);
            dropOk = 0;
            return true;
        }
        if (b === CTRL_C) {
            paste = null;  // abandoned; the raw REPL waits for a command again
            return true;
        }
        if (paste.code.length < PASTE_LIMIT) paste.code.push(b);
        if (++paste.sinceAck === PASTE_WINDOW) {
            paste.sinceAck = 0;
            send([0x01]);
        }
        return true;
    };

    const drain = () => {
        for (;;) {
            if (stopped) return;
            const b = next();
            if (b === undefined) break;
            if (paste && pasted(b)) continue;
            if (b === 0x05 && mode === 'raw' && rawFresh) {
                paste = { state: 'E' };
                continue;
            }
            if (feed(b)) return;
        }
        if (consumed) {
            parentPort.postMessage({ ack: consumed });
            consumed = 0;
        }
    };
    input.on('message', (chunk) => {
        queue.push(chunk);
        drain();
    });
}

// ---------------------------------------------------------------- the host file root

const ERRNO = {
    ENOENT: 2, EIO: 5, EBADF: 9, EACCES: 13, EPERM: 13, EEXIST: 17, EXDEV: 18, ENOTDIR: 20,
    EISDIR: 21, EINVAL: 22, EMFILE: 24, EFBIG: 27, ENOSPC: 28, EROFS: 30, ENAMETOOLONG: 36,
    ENOTEMPTY: 39, ELOOP: 2,
};

class FsError extends Error {
    constructor(code) { super(code); this.code = code; }
}

function errno(e) {
    const n = e && ERRNO[e.code];
    return -(n || 22);
}

// The host files a VM left open (it stopped, or is stopping itself).
function closeFiles(shared) {
    for (let i = 0; i < MAX_OPEN_FILES; i++) {
        const fd = Atomics.exchange(shared, FD_SLOTS + i, -1);
        if (fd >= 0) try { fs.closeSync(fd); } catch { /* already closed */ }
    }
}

// Synchronous host file operations for hostvfs.py (and its input(): stdin, echo). A path from MicroPython is normalised
// ("." and ".." resolved, ".." at the top stays at the top) and then walked from the root with
// lstat, component by component: a symbolic link anywhere is treated as absent (ENOENT), so no
// path leaves the root. The final open uses O_NOFOLLOW and the opened file is compared with the
// checked one. What remains is the window between the lstat of a parent directory and the use of
// the path: a parent replaced by a symbolic link in that window would be followed (for open(),
// the opened file's real path is checked afterwards where /proc shows it). Nothing
// reachable from MicroPython can create a symbolic link (this VFS has no such call, and the
// server's file transfers write regular files only), so only someone with host access to the
// root could use that window.
function hostFunctions(root, shared, memory, terminal) {
    const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_EXCL, O_NOFOLLOW } = fs.constants;

    const components = (virtual) => {
        if (typeof virtual !== 'string' || virtual.includes('\0')) throw new FsError('ENOENT');
        const out = [];
        for (const part of virtual.split('/')) {
            if (part === '' || part === '.') continue;
            if (part === '..') out.pop();
            else out.push(part);
        }
        return out;
    };
    // The host path of a virtual path; every existing component checked not to be a link. The
    // last component may be absent (for creation); its lstat (or null) is returned with it.
    const resolve = (virtual) => {
        const parts = components(virtual);
        let host = root;
        let stat = fs.lstatSync(root);
        for (let i = 0; i < parts.length; i++) {
            if (!stat.isDirectory()) throw new FsError(stat ? 'ENOTDIR' : 'ENOENT');
            host = host + '/' + parts[i];
            stat = fs.lstatSync(host, { throwIfNoEntry: false }) || null;
            if (stat === null) {
                if (i < parts.length - 1) throw new FsError('ENOENT');
                break;
            }
            if (stat.isSymbolicLink()) throw new FsError('ENOENT');
        }
        return { host, stat, parts };
    };
    const existing = (virtual) => {
        const r = resolve(virtual);
        if (r.stat === null) throw new FsError('ENOENT');
        return r;
    };
    const kind = (stat) => stat.isDirectory() ? 'd' : 'f';
    // Where the kernel says an open file is (Linux /proc): closes the lstat-then-open window for
    // open(). Unknown (no /proc, or Node's permission model hides it, which limits paths itself)
    // counts as inside.
    const insideRoot = (fd) => {
        let real;
        try {
            real = fs.readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
            return true;
        }
        return real.startsWith(root + '/');
    };
    const slots = () => {
        for (let i = 0; i < MAX_OPEN_FILES; i++) if (Atomics.load(shared, FD_SLOTS + i) < 0) return i;
        return -1;
    };
    const owned = (fd) => {
        for (let i = 0; i < MAX_OPEN_FILES; i++) if (Atomics.load(shared, FD_SLOTS + i) === fd) return i;
        return -1;
    };
    const view = (address, length) => new Uint8Array(memory().buffer, address, length);
    const guard = (action) => (...args) => {
        try {
            return action(...args);
        } catch (e) {
            return errno(e);
        }
    };

    return {
        stdin: () => terminal.read(),
        echo: (byte) => terminal.echo(byte),
        stat: guard((p) => {
            const { stat } = existing(p);
            return `${kind(stat)}:${stat.isDirectory() ? 0 : stat.size}:${Math.floor(stat.mtimeMs / 1000)}`;
        }),
        listdir: guard((p) => {
            const { host, stat } = existing(p);
            if (!stat.isDirectory()) throw new FsError('ENOTDIR');
            const entries = [];
            for (const entry of fs.readdirSync(host, { withFileTypes: true })) {
                if (entry.isSymbolicLink() || entry.name.includes('/')) continue;
                let size = 0;
                if (entry.isFile()) {
                    const s = fs.lstatSync(host + '/' + entry.name, { throwIfNoEntry: false });
                    if (!s || !s.isFile()) continue;
                    size = s.size;
                } else if (!entry.isDirectory()) {
                    continue;
                }
                entries.push(`${entry.isDirectory() ? 'd' : 'f'}:${size}:${entry.name}`);
            }
            return entries.join('/');
        }),
        realdir: guard((p) => {
            const { stat, parts } = existing(p);
            if (!stat.isDirectory()) throw new FsError('ENOTDIR');
            return '/' + parts.join('/');
        }),
        statvfs: guard((p) => {
            const { host } = existing(p);
            const s = fs.statfsSync(host);
            return [s.bsize, s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree, s.ffree, 0, 255].join(':');
        }),
        open: guard((p, how) => {
            const slot = slots();
            if (slot < 0) throw new FsError('EMFILE');
            const { host, stat } = resolve(p);
            if (stat && stat.isDirectory()) throw new FsError('EISDIR');
            const plus = how.endsWith('+');
            const access = plus ? O_RDWR : how[0] === 'r' ? O_RDONLY : O_WRONLY;
            const create = { r: 0, w: O_CREAT | O_TRUNC, a: O_CREAT | O_APPEND, x: O_CREAT | O_EXCL }[how[0]];
            if (stat === null && !create) throw new FsError('ENOENT');
            const fd = fs.openSync(host, access | create | O_NOFOLLOW, 0o644);
            const opened = fs.fstatSync(fd);
            if (!opened.isFile() || (stat && (opened.ino !== stat.ino || opened.dev !== stat.dev))
                    || !insideRoot(fd)) {
                fs.closeSync(fd);
                throw new FsError(opened.isDirectory() ? 'EISDIR' : 'ENOENT');
            }
            Atomics.store(shared, FD_SLOTS + slot, fd);
            return fd;
        }),
        read: guard((fd, address, length, position) => {
            if (owned(fd) < 0) throw new FsError('EBADF');
            return fs.readSync(fd, view(address, length), 0, length, position);
        }),
        write: guard((fd, address, length, position) => {
            if (owned(fd) < 0) throw new FsError('EBADF');
            return fs.writeSync(fd, view(address, length), 0, length, position < 0 ? null : position);
        }),
        size: guard((fd) => {
            if (owned(fd) < 0) throw new FsError('EBADF');
            return fs.fstatSync(fd).size;
        }),
        close: guard((fd) => {
            const slot = owned(fd);
            if (slot < 0) throw new FsError('EBADF');
            Atomics.store(shared, FD_SLOTS + slot, -1);
            fs.closeSync(fd);
            return 0;
        }),
        mkdir: guard((p) => {
            const { host, stat } = resolve(p);
            if (stat) throw new FsError('EEXIST');
            fs.mkdirSync(host);
            return 0;
        }),
        rmdir: guard((p) => {
            const { host, stat, parts } = existing(p);
            if (parts.length === 0) throw new FsError('EACCES');
            if (!stat.isDirectory()) throw new FsError('ENOTDIR');
            fs.rmdirSync(host);
            return 0;
        }),
        remove: guard((p) => {
            const { host, stat } = existing(p);
            if (stat.isDirectory()) throw new FsError('EISDIR');
            fs.unlinkSync(host);
            return 0;
        }),
        rename: guard((from, to) => {
            const source = existing(from);
            const target = resolve(to);
            if (source.parts.length === 0 || target.parts.length === 0) throw new FsError('EACCES');
            fs.renameSync(source.host, target.host);
            return 0;
        }),
    };
}
