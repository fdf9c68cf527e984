// webrepl's browser client: an xterm.js terminal speaking the WebREPL protocol (the project's
// spec/webrepl-protocol.md §2-§4), plus the extensions of PROTOCOL.md (FEATURES, RESIZE §7,
// FLOW/ACK §9, SESSIONS §10) when the server lists them. Written for this server; no code from webrepl.js.
(function () {
  'use strict';

  const LINGER_MS = Number(document.querySelector('meta[name="webrepl-linger-ms"]').content) || 60000;
  const FLOW_WINDOW = 256 * 1024;       // PROTOCOL.md §9: the page's window
  const ACK_BATCH = 16 * 1024;          // acknowledge at least this much at once...
  const ACK_DELAY_MS = 100;             // ...or whatever was rendered, this long after the first byte
  const TEXT_UNITS = 15000;             // UTF-16 units per text frame: at most 45,000 UTF-8 bytes
  const PUT_FRAME = 64 * 1024;          // the server's largest accepted frame
  const MAX_BUFFERED = 1024 * 1024;     // PUT: wait while the socket holds more than this unsent
  const MAX_NAME = 4096;                // PROTOCOL.md §2
  const T = { PUT: 1, GET: 2, RESIZE: 0x40, FEATURES: 0x41, LIST: 0x43, DELETE: 0x44, MKDIR: 0x45, RENAME: 0x46,
    FLOW: 0x47, ACK: 0x48, SESSIONS: 0x49, SHARE: 0x4A };
  const LONG_NAME = 1;
  // README "File status codes" (Linux errno values), in words.
  const STATUS_WORDS = {
    2: 'no such file or directory', 5: 'input/output error',
    13: 'permission denied', 16: 'busy, try again later', 17: 'already exists',
    20: 'a path component is not a directory', 21: 'is a directory',
    22: 'invalid request', 28: 'no space left on the server', 36: 'name too long',
    39: 'directory not empty', 84: 'name not allowed (control character)', 122: 'over your disk quota',
  };

  // Anything the Content-Security-Policy blocked (tests check there is none).
  const violations = [];
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));

  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const params = new URLSearchParams(location.search);
  const viewOnly = params.get('mode') === 'view';
  // A share link's token (README "Users"): kept on re-attach, since it is what grants the attach.
  const shareToken = /^[0-9a-f]{32}$/.test(params.get('share') || '') ? params.get('share') : null;

  const statusEl = document.getElementById('status');
  const offerEl = document.getElementById('offer');
  const linksEl = document.getElementById('links');
  const filesEl = document.getElementById('files');
  const fileStatusEl = document.getElementById('file-status');
  const transfersEl = document.getElementById('transfers');

  const term = new Terminal({
    cursorBlink: true, scrollback: 5000, convertEol: false,
    fontFamily: 'ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace', fontSize: 14,
  });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  const terminalEl = document.getElementById('terminal');
  term.open(terminalEl);
  fit.fit();
  term.focus();

  // ---- layout: whole rows in what the header and the files panel leave ----
  // The section changes size with the window, and also when the header wraps (the links appear after
  // login) or the panel folds: each refits xterm, whose resize sends RESIZE (term.onResize below).
  new ResizeObserver(() => fit.fit()).observe(terminalEl);
  // Narrow windows fold the files panel away (webrepl.css has the same width); the button opens it.
  const filesToggle = document.getElementById('files-toggle');
  const narrow = window.matchMedia('(max-width: 799px)');
  // The sessions panel (PROTOCOL.md §10) opens by its button, in the files panel's place: one panel at a
  // time, so the terminal keeps its size. Closed, it gives the place back to the files panel if that was open.
  const sessionsToggle = document.getElementById('sessions-toggle');
  const sessionsEl = document.getElementById('sessions');
  let filesBeforeSessions = false;
  function showFiles(open) {
    filesEl.hidden = !open;
    filesToggle.setAttribute('aria-expanded', String(open));
    if (open && !sessionsEl.hidden) {
      sessionsEl.hidden = true;
      sessionsToggle.setAttribute('aria-expanded', 'false');
    }
  }
  function showSessions(open) {
    if (open === !sessionsEl.hidden) {
      return;
    }
    if (open) {
      filesBeforeSessions = !filesEl.hidden;
      showFiles(false);
    }
    sessionsEl.hidden = !open;
    sessionsToggle.setAttribute('aria-expanded', String(open));
    if (open) {
      refreshSessions();
    } else if (filesBeforeSessions) {
      showFiles(true);
    }
  }
  showFiles(!narrow.matches);
  narrow.addEventListener('change', () => {
    filesBeforeSessions = false;
    showSessions(false);
    showFiles(!narrow.matches);
  });
  filesToggle.addEventListener('click', () => showFiles(filesEl.hidden));
  sessionsToggle.addEventListener('click', () => showSessions(sessionsEl.hidden));

  // ---- connection state ----
  let ws = null;
  let state = 'connecting';      // connecting | password | connected | reconnecting | denied | disconnected
  let sessionId = null;
  let password = null;           // the bytes typed at the prompt, kept in memory only, for re-attaching
  let typed = '';                // password keystrokes so far
  let loggedIn = false;          // "WebREPL connected" seen on this connection
  let attached = false;          // the session line seen on this connection
  let loginText = '';
  let reconnecting = false;      // this connection is an automatic re-attach
  let dropDeadline = 0;
  let attempt = 0;
  let features = [];
  let engine = null;             // the session's engine kind, from the SESSIONS list (PROTOCOL.md §10)
  let closeReason = '';
  const history = ['connecting'];  // every state the page went through (tests read it); the browser's is window.history
  // The session this page was opened for (/session/ID): the title names it before the login confirms it.
  const SESSION_ID = /^[A-Za-z0-9_.-]+$/;
  const SESSION_PATH = /^\/session\/([A-Za-z0-9_.-]+)$/;
  const pathSession = (SESSION_PATH.exec(location.pathname) || [])[1] || null;
  let offer = null;              // what Enter (or the offer button) does after a denial or a final close

  function setStatus(newState, text) {
    if (newState !== state) {
      history.push(newState);
    }
    state = newState;
    statusEl.dataset.state = newState;
    statusEl.textContent = text;
    updateTitle();
  }

  // The tab names the session and its engine (and whether it is view only, or no longer connected).
  function updateTitle() {
    const id = sessionId ?? pathSession;
    let title = id === null ? 'webrepl'
      : id + (viewOnly ? ' (view only)' : '') + (engine === null ? '' : ' · ' + engine) + ' · webrepl';
    if (state === 'denied' || state === 'reconnecting' || state === 'disconnected') {
      title = state + ' · ' + title;
    }
    document.title = title;
  }

  // A way on, offered on the status line and by Enter in the terminal: try the password again, or a new session.
  function showOffer(label, run) {
    offer = run;
    offerEl.textContent = label;
    offerEl.hidden = false;
  }

  function takeOffer() {
    const run = offer;
    offer = null;
    offerEl.hidden = true;
    if (run) {
      run();
    }
  }
  offerEl.addEventListener('click', () => {
    takeOffer();
    term.focus();
  });

  // After a wrong password (or a close before the login): a new connection to the same address, which
  // asks for the password again.
  function tryAgain() {
    const old = ws;
    reconnecting = false;
    password = null;
    term.write('\r\n');
    setStatus('connecting', 'connecting…');
    connect();
    if (old) {
      old.close();
    }
  }

  // After a final close: the page for a new session (the old one is gone, or no longer reachable).
  function newSession() {
    location.assign('/');
  }

  function sessionUrl(id, view) {
    return location.origin + '/session/' + id + (view ? '?mode=view' : '');
  }

  // This page's own session path: its mode and, if it came through one, its share.
  function ownPath() {
    const q = [];
    if (shareToken) {
      q.push('share=' + shareToken);
    }
    if (viewOnly) {
      q.push('mode=view');
    }
    return '/session/' + sessionId + (q.length ? '?' + q.join('&') : '');
  }

  function socketUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // A re-attach goes to the session by id (the page may have been opened at / for a new one).
    const path = reconnecting ? ownPath() : location.pathname + location.search;
    return scheme + '//' + location.host + path;
  }

  function connect() {
    loggedIn = false;
    attached = false;
    loginText = '';
    typed = '';
    features = [];
    flow.reset();
    const socket = new WebSocket(socketUrl());
    socket.binaryType = 'arraybuffer';
    ws = socket;
    socket.onopen = () => {
      if (!reconnecting) {
        setStatus('password', 'connected, waiting for the password');
      }
    };
    socket.onmessage = (ev) => {
      if (socket !== ws) {
        return;
      }
      if (typeof ev.data === 'string') {
        onText(ev.data);
      } else {
        binary.arrived(new Uint8Array(ev.data));
      }
    };
    socket.onclose = (ev) => {
      if (socket === ws) {
        onClose(ev);
      }
    };
  }

  // ---- terminal channel (spec §3) ----
  const SESSION_LINE = /webrepl: session \/session\/([A-Za-z0-9_.-]+)\r\n/;

  function onText(text) {
    if (attached) {
      flow.write(text);
      return;
    }
    // Login (spec §2) and the session line (README "Sessions"): shown as they come on the first
    // connection; hidden on a re-attach, whose screen is cleared for the session's replay.
    loginText += text;
    if (!reconnecting) {
      term.write(text);
    }
    if (!loggedIn && loginText.endsWith('Password: ') && reconnecting && password !== null) {
      sendText(password + '\r');
    }
    if (!loggedIn && loginText.includes('\r\nAccess denied\r\n')) {
      if (state === 'denied') {
        return;
      }
      if (reconnecting) {
        term.write('\r\nAccess denied\r\n');
      }
      setStatus('denied', 'access denied: wrong password');
      term.write('Press Enter (or "Try again") to type the password again.\r\n');
      showOffer('Try again', tryAgain);
      return;
    }
    if (!loggedIn && loginText.includes('WebREPL connected')) {
      loggedIn = true;
      if (password === null) {
        password = typed.split(/[\r\n]/)[0];
      }
    }
    const m = SESSION_LINE.exec(loginText);
    if (m) {
      attached = true;
      sessionId = m[1];
      const rest = loginText.slice(m.index + m[0].length);
      if (reconnecting) {
        term.reset();
        reconnecting = false;
      }
      attempt = 0;
      closeReason = '';
      // The address bar shows the session's own URL: a reload (or a bookmark) attaches to it again.
      const own = ownPath();
      if (location.pathname + location.search !== own) {
        window.history.replaceState(null, '', own);
      }
      setStatus('connected', 'connected · session ' + sessionId + (viewOnly ? ' · view only' : ''));
      document.getElementById('attach-link').value = sessionUrl(sessionId, false);
      document.getElementById('view-link').value = sessionUrl(sessionId, true);
      linksEl.hidden = false;
      if (rest) {
        flow.write(rest);
      }
      afterLogin();
    } else if (reconnecting && /no such session: /.test(loginText)) {
      term.write('\r\n' + loginText.slice(loginText.indexOf('no such session: ')));
    }
  }

  function sendText(text) {
    // One text frame per piece, each at most TEXT_UNITS UTF-16 units, never splitting a surrogate pair.
    for (let i = 0; i < text.length;) {
      let end = Math.min(text.length, i + TEXT_UNITS);
      if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1])) {
        end--;
      }
      ws.send(text.slice(i, end));
      i = end;
    }
  }

  term.onData((data) => {
    if (offer !== null) {
      if (/[\r\n]/.test(data)) {
        takeOffer();
      }
      return;
    }
    if (!ws || ws.readyState !== WebSocket.OPEN || state === 'denied') {
      return;
    }
    if (reconnecting) {
      return;                // the page is logging in again by itself: keys would join the password
    }
    if (!loggedIn) {
      typed += data;         // the password stage takes any key as typed (spec §2: no line editing)
      sendText(data);
      return;
    }
    if (!viewOnly) {         // a viewer's input would be ignored by the server anyway
      sendText(data);
    }
  });

  // ---- output acknowledgements (PROTOCOL.md §9) ----
  const flow = {
    on: false,
    pending: 0,
    timer: null,
    reset() {
      this.on = false;
      this.pending = 0;
      clearTimeout(this.timer);
      this.timer = null;
    },
    write(text) {
      if (!this.on) {
        term.write(text);
        return;
      }
      const n = utf8Length(text);
      const socket = ws;
      term.write(text, () => {
        if (socket === ws && this.on) {
          this.rendered(n);
        }
      });
    },
    rendered(n) {
      this.pending += n;
      if (this.pending >= ACK_BATCH) {
        this.flush();
      } else if (this.timer === null) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.flush();
        }, ACK_DELAY_MS);
      }
    },
    flush() {
      // An ACK is a request record: it must not land inside a PUT's data or a GET's acks.
      if (!this.on || this.pending === 0 || binary.streamBusy || ws.readyState !== WebSocket.OPEN) {
        return;
      }
      ws.send(record(T.ACK, { size: this.pending }));
      this.pending = 0;
    },
  };

  function utf8Length(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  // ---- file channel (spec §4, PROTOCOL.md): one operation at a time ----
  class FileError extends Error {
    constructor(status) {
      super(STATUS_WORDS[status] ? STATUS_WORDS[status] + ' (' + status + ')' : 'error ' + status);
      this.status = status;
    }
  }

  const binary = {
    frames: [],
    waiters: [],
    streamBusy: false,     // an operation is between its request and the last byte it sends
    chain: Promise.resolve(),
    arrived(bytes) {
      const w = this.waiters.shift();
      if (w) {
        w.resolve(bytes);
      } else {
        this.frames.push(bytes);
      }
    },
    next() {
      if (this.frames.length) {
        return Promise.resolve(this.frames.shift());
      }
      return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    },
    lost() {
      const waiters = this.waiters;
      this.waiters = [];
      this.frames = [];
      this.streamBusy = false;
      waiters.forEach((w) => w.reject(new Error('connection lost')));
    },
    // Runs op(socket) after every operation queued before it; rejects if not connected.
    exclusive(op) {
      const run = this.chain.then(() => {
        if (!attached || ws.readyState !== WebSocket.OPEN) {
          throw new Error('not connected');
        }
        this.frames = [];
        return op(ws);
      }).finally(() => {
        this.streamBusy = false;
        flow.flush();
      });
      this.chain = run.catch(() => {});
      return run;
    },
    async status() {
      const b = await this.next();
      if (b.length !== 4 || b[0] !== 0x57 || b[1] !== 0x42) {
        throw new Error('unexpected reply from the server');
      }
      return b[2] | (b[3] << 8);
    },
  };

  function record(type, { flags = 0, size = 0, name = null } = {}) {
    const nameBytes = name === null ? new Uint8Array(0) : encoder.encode(name);
    const long = nameBytes.length > 63;
    const r = new Uint8Array(82 + (long ? nameBytes.length : 0));
    const v = new DataView(r.buffer);
    r[0] = 0x57; r[1] = 0x41; r[2] = type; r[3] = flags | (long ? LONG_NAME : 0);
    v.setUint32(12, size >>> 0, true);
    v.setUint16(16, nameBytes.length, true);
    r.set(nameBytes, long ? 82 : 18);
    return r;
  }

  function checkName(name) {
    const n = encoder.encode(name).length;
    if (n === 0) {
      throw new FileError(22);
    }
    if (n > MAX_NAME || (n > 63 && !features.includes('long-name'))) {
      throw new FileError(36);
    }
  }

  async function afterLogin() {
    try {
      features = await binary.exclusive(async (socket) => {
        socket.send(record(T.FEATURES));
        if (await binary.status() !== 0) {
          return [];       // a server without extensions (PROTOCOL.md §1)
        }
        return decoder.decode(await binary.next()).split(' ').filter(Boolean);
      });
      if (features.includes('resize') && !viewOnly) {
        sendResize();
      }
      if (features.includes('flow')) {
        await binary.exclusive(async (socket) => {
          socket.send(record(T.FLOW, { size: FLOW_WINDOW }));
          // From the reply on, output counts against the window: frames after it are acknowledged.
          flow.on = await binary.status() === 0;
        });
      }
      if (features.includes('list') && !viewOnly) {
        refresh();
      }
      // A viewer may not list sessions (PROTOCOL.md §8): its button stays hidden, its title without the engine.
      sessionsToggle.hidden = !features.includes('sessions') || viewOnly;
      if (!sessionsToggle.hidden) {
        refreshSessions();
      }
      // Servers with users share sessions by link (README "Users"); only the owner's request succeeds.
      document.getElementById('share-bar').hidden = !features.includes('share') || viewOnly || shareToken !== null;
    } catch (e) {
      // The connection went away; onClose reports it.
    }
  }

  // ---- share links (SHARE, PROTOCOL.md §11) ----
  async function share(view) {
    const linkEl = document.getElementById('share-link');
    try {
      const token = await binary.exclusive(async (socket) => {
        socket.send(record(T.SHARE, { size: view ? 2 : 1 }));
        const code = await binary.status();
        if (code !== 0) {
          throw new FileError(code);
        }
        return decoder.decode(await binary.next());
      });
      // The server takes the mode from the share; mode=view tells this page's copy to act as a viewer.
      linkEl.value = location.origin + '/session/' + sessionId + '?share=' + token + (view ? '&mode=view' : '');
      linkEl.hidden = false;
      linkEl.select();
      try {
        await navigator.clipboard.writeText(linkEl.value);
        fileStatusEl.textContent = 'share link copied';
      } catch (e) {
        fileStatusEl.textContent = 'share link made: copy it from the box';
      }
    } catch (e) {
      fileStatusEl.textContent = 'sharing failed: ' + e.message;
    }
  }
  document.getElementById('share-rw').addEventListener('click', () => share(false));
  document.getElementById('share-view').addEventListener('click', () => share(true));

  let resizeQueued = false;
  function sendResize() {
    if (resizeQueued || !features.includes('resize') || viewOnly || !attached) {
      return;
    }
    resizeQueued = true;
    binary.exclusive(async (socket) => {
      resizeQueued = false;   // the latest size is read now: a later change queues another
      socket.send(record(T.RESIZE, { size: ((term.rows << 16) | term.cols) >>> 0 }));
      await binary.status();
    }).catch(() => { resizeQueued = false; });
  }
  term.onResize(() => sendResize());

  async function put(file, remote, progress) {
    checkName(remote);
    if (file.size > 0xFFFFFFFF) {
      throw new Error('larger than 4 GiB, too large for the protocol');
    }
    return binary.exclusive(async (socket) => {
      binary.streamBusy = true;
      socket.send(record(T.PUT, { size: file.size, name: remote }));
      let status = await binary.status();
      if (status !== 0) {
        throw new FileError(status);       // the server reads no data after a refusal
      }
      let sent = 0;
      while (sent < file.size) {
        while (socket.bufferedAmount > MAX_BUFFERED) {
          await new Promise((r) => setTimeout(r, 10));
        }
        if (socket.readyState !== WebSocket.OPEN) {
          throw new Error('connection lost');
        }
        const end = Math.min(file.size, sent + PUT_FRAME);
        socket.send(await file.slice(sent, end).arrayBuffer());
        sent = end;
        progress(Math.max(0, sent - socket.bufferedAmount));
      }
      binary.streamBusy = false;
      flow.flush();
      const ticker = setInterval(() => progress(Math.max(0, sent - socket.bufferedAmount)), 100);
      try {
        status = await binary.status();
      } finally {
        clearInterval(ticker);
      }
      if (status !== 0) {
        throw new FileError(status);
      }
      progress(file.size);
    });
  }

  // The acknowledged chunks of a GET or a LIST (spec §4.4), up to the zero-length one and the status after it.
  async function receiveChunks(socket, progress) {
    const parts = [];
    let total = 0;
    for (;;) {
      socket.send(new Uint8Array([0]));     // one ack, one chunk (spec §4.4)
      const chunk = await binary.next();
      const n = chunk.length >= 2 ? chunk[0] | (chunk[1] << 8) : -1;
      if (chunk.length !== n + 2) {
        throw new Error('unexpected reply from the server');
      }
      if (n === 0) {
        break;
      }
      parts.push(chunk.slice(2));
      total += n;
      progress(total);
    }
    binary.streamBusy = false;
    flow.flush();
    const status = await binary.status();
    if (status !== 0) {
      throw new FileError(status);
    }
    return parts;
  }

  async function get(remote, progress) {
    checkName(remote);
    return binary.exclusive(async (socket) => {
      binary.streamBusy = true;
      socket.send(record(T.GET, { name: remote }));
      const status = await binary.status();
      if (status !== 0) {
        throw new FileError(status);
      }
      return new Blob(await receiveChunks(socket, progress), { type: 'application/octet-stream' });
    });
  }

  // LIST (PROTOCOL.md §4): the directory's entries, { kind: 'f'|'d'|'l'|'o', size, name }, in the server's order.
  async function list(dir) {
    checkName(dir);
    const parts = await binary.exclusive(async (socket) => {
      binary.streamBusy = true;
      socket.send(record(T.LIST, { name: dir }));
      const status = await binary.status();
      if (status !== 0) {
        throw new FileError(status);
      }
      return receiveChunks(socket, () => {});
    });
    const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
    const v = new DataView(bytes.buffer);
    const entries = [];
    for (let at = 0; at < bytes.length;) {
      if (at + 19 > bytes.length) {
        throw new Error('unexpected reply from the server');
      }
      const n = v.getUint16(at + 17, true);
      if (at + 19 + n > bytes.length) {
        throw new Error('unexpected reply from the server');
      }
      entries.push({
        kind: String.fromCharCode(bytes[at]),
        size: Number(v.getBigUint64(at + 1, true)),
        name: decoder.decode(bytes.subarray(at + 19, at + 19 + n)),
      });
      at += 19 + n;
    }
    return entries;
  }

  // SESSIONS (PROTOCOL.md §10): the sessions this login may open, as the server lists them (oldest first).
  async function listSessions() {
    const parts = await binary.exclusive(async (socket) => {
      binary.streamBusy = true;
      socket.send(record(T.SESSIONS));
      const status = await binary.status();
      if (status !== 0) {
        throw new FileError(status);
      }
      return receiveChunks(socket, () => {});
    });
    let list;
    try {
      list = JSON.parse(decoder.decode(await new Blob(parts).arrayBuffer()));
    } catch (e) {
      list = null;
    }
    const valid = (e) => e !== null && typeof e === 'object' && typeof e.id === 'string' && SESSION_ID.test(e.id)
      && typeof e.engine === 'string' && Number.isFinite(e.created) && Number.isInteger(e.terminals)
      && Number.isInteger(e.viewers) && typeof e.current === 'boolean';
    if (!Array.isArray(list) || !list.every(valid)) {
      throw new Error('unexpected reply from the server');
    }
    // Only the fields the page knows: a newer server may add more.
    return list.map((e) => ({ id: e.id, engine: e.engine, created: e.created, terminals: e.terminals,
      viewers: e.viewers, current: e.current }));
  }

  // DELETE and MKDIR of a name, RENAME of a name to another (PROTOCOL.md §5): a status and nothing else.
  async function simple(type, name, destination) {
    checkName(name);
    const dest = destination === undefined ? null : encoder.encode(destination);
    if (dest !== null) {
      checkName(destination);
    }
    return binary.exclusive(async (socket) => {
      const r = record(type, { name, size: dest === null ? 0 : dest.length });
      if (dest === null) {
        socket.send(r);
      } else {
        const frame = new Uint8Array(r.length + dest.length);   // the destination follows the record
        frame.set(r);
        frame.set(dest, r.length);
        socket.send(frame);
      }
      const status = await binary.status();
      if (status !== 0) {
        throw new FileError(status);
      }
    });
  }

  // ---- files panel ----
  const files = { busy: 0, status: '', transfers: [], dir: '/', entries: [] };
  const dirEl = document.getElementById('dir-path');
  const dirListEl = document.getElementById('dir-list');

  function fileStatus(text, error) {
    files.status = text;
    fileStatusEl.textContent = text;
    fileStatusEl.className = error ? 'error' : '';
  }

  // A row of the transfers list; size in bytes, or null when it is not known in advance (a GET).
  function addTransfer(label, size) {
    const li = document.createElement('li');
    const name = document.createElement('div');
    const bar = document.createElement('progress');
    const note = document.createElement('div');
    name.textContent = label;
    bar.max = Math.max(1, size ?? 1);
    if (size !== null) {
      bar.value = 0;                 // a GET's size is not known in advance: the bar stays indeterminate
    }
    note.textContent = 'queued';
    li.append(name, bar, note);
    transfersEl.prepend(li);
    const t = { name: label, size, done: 0, state: 'queued', message: '' };
    files.transfers.push(t);
    return {
      progress(n) {
        t.done = n;
        t.state = 'running';
        if (size !== null) {
          bar.value = n;
        }
        note.textContent = size === null ? n + ' bytes' : n + ' of ' + size + ' bytes';
      },
      finish(message) {
        t.state = 'done';
        t.message = message;
        bar.value = bar.max;
        note.textContent = message;
        note.className = 'done';
      },
      fail(e) {
        t.state = 'failed';
        t.message = e.message;
        bar.remove();                // a failed transfer leaves no bar that looks half done
        note.textContent = 'failed: ' + e.message;
        note.className = 'error';
      },
    };
  }

  function joinPath(dir, name) {
    const d = dir.trim() || '/';
    return (d.endsWith('/') ? d : d + '/') + name;
  }

  function parentOf(dir) {
    const i = dir.lastIndexOf('/');
    return i <= 0 ? '/' : dir.slice(0, i);
  }

  function sizeInWords(n) {
    if (n < 1024) {
      return n + ' B';
    }
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = n / 1024;
    let u = 0;
    for (; v >= 1024 && u < units.length - 1; u++) {
      v /= 1024;
    }
    return (v < 10 ? v.toFixed(1) : Math.round(v)) + ' ' + units[u];
  }

  function button(label, title, run) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.title = title;
    b.addEventListener('click', run);
    return b;
  }

  // The shown directory as a list. Names come from the server: they are only ever text, never markup.
  function renderDir() {
    dirEl.textContent = files.dir;
    document.getElementById('dir-up').disabled = files.dir === '/' || viewOnly;
    const rows = files.entries.map((e) => {
      const li = document.createElement('li');
      li.dataset.kind = e.kind;
      const path = joinPath(files.dir, e.name);
      const open = button(e.kind === 'd' ? e.name + '/' : e.name,
        e.kind === 'd' ? 'open ' + path : e.kind === 'f' ? 'download ' + path : path,
        () => (e.kind === 'd' ? showDir(path) : e.kind === 'f' ? download(path) : null));
      open.className = 'entry-name';
      open.disabled = e.kind !== 'd' && e.kind !== 'f';
      const size = document.createElement('span');
      size.className = 'entry-size';
      size.textContent = e.kind === 'd' ? 'directory' : e.kind === 'l' ? 'link' : e.kind === 'o' ? 'other' : sizeInWords(e.size);
      li.append(open, size,
        button('Rename', 'rename ' + path, () => renameEntry(path, e.name)),
        button('Delete', 'delete ' + path, () => deleteEntry(path, e.kind)));
      return li;
    });
    dirListEl.replaceChildren(...rows);
    if (rows.length === 0) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = 'empty directory';
      dirListEl.append(li);
    }
  }

  // Lists a directory and shows it; on a refusal the shown directory stays and the error is in words.
  let listing = 0;
  function showDir(dir) {
    const mine = ++listing;
    files.busy++;
    return list(dir)
      .then((entries) => {
        if (mine === listing) {
          files.dir = dir;
          files.entries = entries;
          renderDir();
        }
      })
      .catch((e) => fileStatus('cannot list ' + dir + ': ' + e.message, true))
      .finally(() => files.busy--);
  }

  function refresh() {
    return showDir(files.dir);
  }

  function upload(chosen, dir) {
    for (const file of chosen) {
      const remote = joinPath(dir, file.name);
      const t = addTransfer('put ' + remote, file.size);
      files.busy++;
      put(file, remote, (n) => t.progress(n))
        .then(() => {
          t.finish('uploaded, ' + file.size + ' bytes');
          fileStatus('uploaded ' + remote, false);
        })
        .catch((e) => {
          t.fail(e);
          fileStatus('upload of ' + remote + ' failed: ' + e.message, true);
        })
        .finally(() => {
          files.busy--;
          if (dir === files.dir) {
            refresh();
          }
        });
    }
  }

  function download(remote) {
    const t = addTransfer('get ' + remote, null);
    files.busy++;
    return get(remote, (n) => t.progress(n))
      .then((blob) => {
        const base = remote.split('/').filter(Boolean).pop() || 'download';
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = base;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 60000);
        t.finish('downloaded, ' + blob.size + ' bytes, saved as ' + base);
        fileStatus('downloaded ' + remote, false);
      })
      .catch((e) => {
        t.fail(e);
        fileStatus('download of ' + remote + ' failed: ' + e.message, true);
      })
      .finally(() => files.busy--);
  }

  // DELETE, MKDIR, RENAME: the result in words, then the shown directory again.
  function change(done, attempt, run) {
    files.busy++;
    return run()
      .then(() => fileStatus(done, false))
      .catch((e) => fileStatus(attempt + ' failed: ' + e.message, true))
      .finally(() => {
        files.busy--;
        refresh();
      });
  }

  function renameEntry(path, name) {
    const to = window.prompt('Rename ' + path + ' to (a name in this directory, or a path from /):', name);
    if (to === null || to.trim() === '' || to === name) {
      return;
    }
    const dest = to.startsWith('/') ? to : joinPath(files.dir, to);
    change('renamed ' + path + ' to ' + dest, 'rename of ' + path + ' to ' + dest, () => simple(T.RENAME, path, dest));
  }

  function deleteEntry(path, kind) {
    if (!window.confirm('Delete ' + (kind === 'd' ? 'the directory ' : '') + path + '?')) {
      return;
    }
    change('deleted ' + path, 'delete of ' + path, () => simple(T.DELETE, path));
  }

  function makeDir() {
    const name = window.prompt('New directory in ' + files.dir + ':', '');
    if (name === null || name.trim() === '') {
      return;
    }
    const path = name.startsWith('/') ? name : joinPath(files.dir, name);
    change('made directory ' + path, 'making directory ' + path, () => simple(T.MKDIR, path));
  }

  document.getElementById('dir-up').addEventListener('click', () => showDir(parentOf(files.dir)));
  document.getElementById('dir-refresh').addEventListener('click', () => refresh());
  document.getElementById('mkdir-button').addEventListener('click', () => makeDir());

  document.getElementById('upload-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = document.getElementById('upload-input');
    const chosen = Array.from(input.files);
    if (chosen.length === 0) {
      fileStatus('choose one or more files first', true);
      return;
    }
    input.value = '';
    upload(chosen, files.dir);
  });

  // Files dropped anywhere on the panel go into the shown directory.
  filesEl.addEventListener('dragover', (ev) => {
    if (!viewOnly && ev.dataTransfer && Array.from(ev.dataTransfer.types).includes('Files')) {
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'copy';
      filesEl.classList.add('drop');
    }
  });
  filesEl.addEventListener('dragleave', (ev) => {
    if (ev.target === filesEl) {
      filesEl.classList.remove('drop');
    }
  });
  filesEl.addEventListener('drop', (ev) => {
    ev.preventDefault();
    filesEl.classList.remove('drop');
    if (viewOnly) {
      return;
    }
    const chosen = Array.from(ev.dataTransfer ? ev.dataTransfer.files : []);
    if (chosen.length === 0) {
      fileStatus('only files can be dropped here (no directories or text)', true);
      return;
    }
    upload(chosen, files.dir);
  });

  document.getElementById('download-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const remote = document.getElementById('download-name').value.trim();
    if (!remote) {
      fileStatus('type the name of a file to download', true);
      return;
    }
    download(remote);
  });

  if (viewOnly) {
    filesEl.setAttribute('aria-disabled', 'true');
    filesEl.querySelectorAll('input, button').forEach((el) => { el.disabled = true; });
    fileStatus('a view-only terminal cannot move files', false);
  }

  // ---- sessions panel (PROTOCOL.md §10) ----
  const sessions = { busy: 0, status: '', entries: [], listedAt: 0 };
  const sessionListEl = document.getElementById('session-list');
  const sessionsStatusEl = document.getElementById('sessions-status');

  function sessionsStatus(text, error) {
    sessions.status = text;
    sessionsStatusEl.textContent = text;
    sessionsStatusEl.className = error ? 'error' : '';
  }

  // 22 characters of random id are more than a person reads: the first 8 (and a node name) tell them apart.
  function shortId(id) {
    const dot = id.indexOf('.');
    const random = id.slice(dot + 1);
    return id.slice(0, dot + 1) + (random.length > 10 ? random.slice(0, 8) + '…' : random);
  }

  function ageInWords(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) {
      return s + ' s';
    }
    const min = Math.floor(s / 60);
    if (min < 60) {
      return min + ' min';
    }
    const h = Math.floor(min / 60);
    if (h < 48) {
      return h + ' h' + (min % 60 ? ' ' + (min % 60) + ' min' : '');
    }
    return Math.floor(h / 24) + ' days';
  }

  function terminalsInWords(e) {
    const rw = e.terminals + (e.terminals === 1 ? ' terminal' : ' terminals');
    return e.viewers === 0 ? rw : rw + ' + ' + e.viewers + (e.viewers === 1 ? ' viewer' : ' viewers');
  }

  // One row a session. Ids and engine names come from the server: only ever text, never markup.
  function renderSessions() {
    const rows = sessions.entries.map((e) => {
      const li = document.createElement('li');
      li.dataset.id = e.id;
      const open = button(shortId(e.id), e.current ? 'this page shows session ' + e.id : 'open session ' + e.id,
        () => openSession(e.id));
      open.className = 'session-id';
      open.disabled = e.current;
      const kind = document.createElement('span');
      kind.className = 'session-engine';
      kind.textContent = e.engine;
      const info = document.createElement('span');
      info.className = 'session-info';
      // The age by this browser's clock against the server's: a skewed clock shows at least 0 s.
      info.textContent = 'opened ' + ageInWords(sessions.listedAt - e.created) + ' ago · ' + terminalsInWords(e)
        + (e.current ? ' · this session' : '');
      if (e.current) {
        li.className = 'current';
        li.setAttribute('aria-current', 'true');
      }
      li.append(open, kind, info);
      return li;
    });
    sessionListEl.replaceChildren(...rows);
    if (rows.length === 0) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = 'no sessions';
      sessionListEl.append(li);
    }
  }

  let sessionsListing = 0;
  function refreshSessions() {
    if (!features.includes('sessions') || viewOnly) {
      return Promise.resolve();
    }
    const mine = ++sessionsListing;
    sessions.busy++;
    return listSessions()
      .then((entries) => {
        const own = entries.find((e) => e.current);
        if (own && own.id === sessionId && engine !== own.engine) {
          engine = own.engine;
          updateTitle();
        }
        if (mine === sessionsListing) {
          sessions.entries = entries;
          sessions.listedAt = Date.now();
          renderSessions();
          sessionsStatus(entries.length + (entries.length === 1 ? ' session' : ' sessions'), false);
        }
      })
      .catch((e) => sessionsStatus('cannot list the sessions: ' + e.message, true))
      .finally(() => sessions.busy--);
  }
  document.getElementById('sessions-refresh').addEventListener('click', () => refreshSessions());

  // Opens another session in this page: the session this page showed keeps running (it ends after the
  // linger time if no terminal is left on it). The password typed at the prompt logs in again, as a
  // re-attach does; the terminal is cleared for the session's replay and the address bar follows.
  function openSession(id, fromHistory) {
    if (!SESSION_ID.test(id) || id === sessionId || password === null || viewOnly) {
      return;
    }
    const old = ws;
    offer = null;                // after a final close, this is the way on instead of "New session"
    offerEl.hidden = true;
    binary.lost();               // operations waiting for the old connection's replies fail now
    sessionId = id;
    engine = null;
    reconnecting = true;
    dropDeadline = Date.now() + LINGER_MS;
    attempt = 0;
    if (!fromHistory) {
      window.history.pushState(null, '', '/session/' + id);
    }
    setStatus('connecting', 'opening session ' + id + '…');
    connect();
    if (old) {
      old.close();
    }
    term.focus();
  }
  // Back and Forward between sessions opened here.
  window.addEventListener('popstate', () => {
    const m = SESSION_PATH.exec(location.pathname);
    if (m && m[1] !== sessionId && attached) {
      openSession(m[1], true);
    }
  });

  // ---- close and re-attach ----
  function onClose(ev) {
    binary.lost();
    flow.reset();
    closeReason = ev.code + (ev.reason ? ' ' + ev.reason : '');
    if (state === 'denied') {
      return;
    }
    // 1006: the connection dropped without a close frame (a network failure). Any close code is the
    // server's decision (session ended 1000, no such session 1008, ...): never re-attach then.
    const dropped = ev.code === 1006 && sessionId !== null && password !== null;
    if (dropped && !reconnecting) {
      reconnecting = true;
      dropDeadline = Date.now() + LINGER_MS;
      attempt = 0;
    }
    if (dropped && Date.now() < dropDeadline) {
      const delay = Math.min(5000, 250 * 2 ** attempt++);
      setStatus('reconnecting', 'reconnecting… (session ' + sessionId + ', connection lost: ' + closeReason + ')');
      setTimeout(connect, delay);
      return;
    }
    // The server's refusal of an attach (spec: close 1008 "no such session: ID"): the session has ended.
    const gone = /^no such session: (.*)$/.exec(ev.reason);
    if (gone) {
      setStatus('disconnected', 'disconnected: session ' + gone[1] + ' has ended (or never existed)');
      term.write('\r\n[session ' + gone[1] + ' has ended (or never existed)]\r\n');
    } else if (dropped) {
      setStatus('disconnected', 'disconnected: gave up reconnecting after ' + Math.round(LINGER_MS / 1000)
        + ' s (the session lingers that long)');
      term.write('\r\n[disconnected: ' + closeReason + ']\r\n');
    } else {
      setStatus('disconnected', 'disconnected: ' + closeReason);
      term.write('\r\n[disconnected: ' + closeReason + ']\r\n');
    }
    reconnecting = false;
    if (loggedIn) {
      term.write('Press Enter (or "New session") to open a new session.\r\n');
      showOffer('New session', newSession);
    } else {
      // Closed before a login (a login timeout, a draining server, no network): the same address again.
      term.write('Press Enter (or "Try again") to connect again.\r\n');
      showOffer('Try again', tryAgain);
    }
  }

  // ---- for people and tests ----
  window.webrepl = {
    get state() { return state; },
    get sessionId() { return sessionId; },
    get viewOnly() { return viewOnly; },
    get features() { return features.slice(); },
    get flow() { return flow.on; },
    // The terminal's size as xterm has it (what RESIZE reports; tests compare it with stty size).
    get size() { return { columns: term.cols, rows: term.rows }; },
    get closeReason() { return closeReason; },
    // What Enter or the offer button does now: 'Try again', 'New session', or null.
    get offer() { return offer === null ? null : offerEl.textContent; },
    get history() { return history.slice(); },
    get violations() { return violations.slice(); },
    get files() {
      return { busy: files.busy, status: files.status, transfers: files.transfers.slice(),
        dir: files.dir, entries: files.entries.map((e) => ({ ...e })) };
    },
    // The panel's actions, as its buttons do them (rename, delete and mkdir ask through prompt/confirm).
    showDir(dir) { return showDir(dir); },
    get engine() { return engine; },
    get sessions() {
      return { shown: !sessionsEl.hidden, busy: sessions.busy, status: sessions.status,
        entries: sessions.entries.map((e) => ({ ...e })) };
    },
    refreshSessions() { return refreshSessions(); },
    download(remote) { return download(remote); },
    terminalText() {
      const b = term.buffer.active;
      const lines = [];
      for (let i = 0; i < b.length; i++) {
        const line = b.getLine(i);
        lines.push(line ? line.translateToString(true) : '');
      }
      return lines.join('\n');
    },
    // A network drop as the page sees it (tests): the socket goes without the server's close frame.
    get socket() { return ws; },
  };

  updateTitle();
  connect();
})();
