// The webrepl recording player (README "Recordings"). Without ?name= it lists the recordings of
// /recordings; with ?name=NAME it fetches /recordings/NAME.cast (asciicast v2: a header line, then
// [seconds, code, data] lines) and plays its output into xterm.js: play/pause, restart, speed,
// and an idle cap that shortens long pauses. With --admin-token-file, open the page with
// #token=TOKEN (a fragment never leaves the browser; the token is sent only as a header).
// window.webreplPlayer exposes the state for tests and the curious.
(function () {
  "use strict";

  var TOKEN = (/(?:^#|&)token=([^&]+)/.exec(location.hash) || [])[1];
  var HEADERS = TOKEN ? {"Authorization": "Bearer " + decodeURIComponent(TOKEN)} : {};
  var NAME = new URLSearchParams(location.search).get("name");

  var player = {state: "loading", header: null, events: [], markers: [], index: 0, pendingWrites: 0};
  window.webreplPlayer = player;

  var status = document.getElementById("status");

  function fail(message) {
    player.state = "error";
    status.textContent = message;
  }

  function load(path) {
    return fetch(path, {cache: "no-store", headers: HEADERS}).then(function (res) {
      if (res.status === 401) {
        throw new Error("HTTP 401: this server needs its admin token; open this page with #token=TOKEN");
      }
      if (!res.ok) {
        return res.json().then(function (body) { throw new Error("HTTP " + res.status + ": " + body.error); },
          function () { throw new Error("HTTP " + res.status); });
      }
      return res;
    });
  }

  function size(bytes) {
    return bytes < 1024 ? bytes + " B" : bytes < 1048576 ? (bytes / 1024).toFixed(1) + " KiB"
      : (bytes / 1048576).toFixed(1) + " MiB";
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function showList() {
    document.getElementById("list-panel").hidden = false;
    load("/recordings").then(function (res) { return res.json(); }).then(function (list) {
      var body = document.querySelector("#recording-table tbody");
      list.forEach(function (r) {
        var row = document.createElement("tr");
        cell(row, r.started);
        cell(row, r.user === null ? "-" : r.user);
        cell(row, r.session);
        cell(row, size(r.size));
        var a = document.createElement("a");
        a.href = "/recordings/play?name=" + encodeURIComponent(r.name) + location.hash;
        a.textContent = "play";
        cell(row, "").appendChild(a);
        body.appendChild(row);
      });
      document.getElementById("no-recordings").hidden = list.length > 0;
      player.state = "listed";
      player.list = list;
      status.textContent = list.length + " recording" + (list.length === 1 ? "" : "s");
    }).catch(function (e) { fail("cannot list recordings: " + e.message); });
  }

  // One JSON value per line; a line cut short (a recording still being written) ends the list.
  function parse(text) {
    var lines = text.split("\n");
    var header = JSON.parse(lines[0]);
    if (header.version !== 2) {
      throw new Error("not an asciicast v2 recording (version " + header.version + ")");
    }
    var events = [];
    for (var i = 1; i < lines.length; i++) {
      if (lines[i] === "") {
        continue;
      }
      try {
        events.push(JSON.parse(lines[i]));
      } catch (e) {
        break;
      }
    }
    return {header: header, events: events};
  }

  function showPlayer() {
    document.getElementById("player-panel").hidden = false;
    var download = document.getElementById("download");
    download.href = "/recordings/" + encodeURIComponent(NAME) + ".cast";
    if (TOKEN) {
      // A plain link cannot carry the header: the file is downloaded through the page instead.
      download.addEventListener("click", function (ev) {
        ev.preventDefault();
        load(download.getAttribute("href")).then(function (res) { return res.blob(); }).then(function (blob) {
          var a = document.createElement("a");
          a.href = URL.createObjectURL(blob);
          a.download = NAME + ".cast";
          a.click();
        });
      });
    }
    document.getElementById("back").href = "/recordings/play" + location.hash;
    load(download.getAttribute("href")).then(function (res) { return res.text(); }).then(function (text) {
      var cast = parse(text);
      player.header = cast.header;
      player.events = cast.events;
      start();
    }).catch(function (e) { fail("cannot play " + NAME + ": " + e.message); });
  }

  function start() {
    var h = player.header;
    document.getElementById("title").textContent = h.title || NAME;
    var term = new Terminal({cols: h.width, rows: h.height, disableStdin: true, scrollback: 10000,
      fontFamily: "ui-monospace, Menlo, Consolas, monospace"});
    term.open(document.getElementById("terminal"));
    player.term = term;

    var playButton = document.getElementById("play");
    var restartButton = document.getElementById("restart");
    var speedSelect = document.getElementById("speed");
    var idleSelect = document.getElementById("idle");
    var position = document.getElementById("position");
    var speed = Number(speedSelect.value);
    var idleCap = Number(idleSelect.value);
    var times = [];          // each event's time on the playback clock (idle capped)
    var basePos = 0;         // playback-clock seconds at baseReal
    var baseReal = 0;
    var timer = null;

    function retime() {
      var previous = 0;
      var at = 0;
      times = player.events.map(function (e) {
        var gap = Math.max(0, e[0] - previous);
        previous = e[0];
        at += idleCap > 0 ? Math.min(gap, idleCap) : gap;
        return at;
      });
    }

    function duration() {
      return times.length ? times[times.length - 1] : 0;
    }

    function now() {
      return player.state === "playing" ? basePos + (performance.now() - baseReal) / 1000 * speed : basePos;
    }

    function showPosition() {
      position.textContent = Math.min(now(), duration()).toFixed(1) + " s / " + duration().toFixed(1) + " s";
    }

    function apply(e) {
      if (e[1] === "o") {
        player.pendingWrites++;
        term.write(e[2], function () { player.pendingWrites--; });
      } else if (e[1] === "r") {
        var m = /^(\d+)x(\d+)$/.exec(e[2]);
        if (m) {
          term.resize(Number(m[1]), Number(m[2]));
        }
      } else if (e[1] === "m") {
        player.markers.push(e[2]);
        var li = document.createElement("li");
        li.textContent = e[0].toFixed(1) + " s: " + e[2];
        document.getElementById("markers").appendChild(li);
      }
      // "i" (input) is not drawn: the terminal's echo is in the output already.
    }

    function tick() {
      timer = null;
      if (player.state !== "playing") {
        return;
      }
      var pos = now();
      while (player.index < player.events.length && times[player.index] <= pos) {
        apply(player.events[player.index]);
        player.index++;
      }
      if (player.index >= player.events.length) {
        player.state = "ended";
        basePos = duration();
        playButton.textContent = "play again";
        status.textContent = "ended";
        showPosition();
        return;
      }
      showPosition();
      // Wake for the next event, and at least four times a second for the position.
      timer = setTimeout(tick, Math.min(250, (times[player.index] - pos) / speed * 1000));
    }

    function play() {
      if (player.state === "ended") {
        rewind();
      }
      player.state = "playing";
      baseReal = performance.now();
      playButton.textContent = "pause";
      status.textContent = "playing at " + speed + "\u00d7";
      tick();
    }

    function pause() {
      basePos = now();
      player.state = "paused";
      playButton.textContent = "play";
      status.textContent = "paused";
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      showPosition();
    }

    function rewind() {
      term.reset();
      term.resize(h.width, h.height);
      player.index = 0;
      player.markers = [];
      document.getElementById("markers").textContent = "";
      basePos = 0;
    }

    playButton.addEventListener("click", function () {
      if (player.state === "playing") {
        pause();
      } else {
        play();
      }
    });
    restartButton.addEventListener("click", function () {
      var wasPlaying = player.state === "playing";
      if (wasPlaying) {
        pause();
      }
      rewind();
      player.state = "paused";
      if (wasPlaying) {
        play();
      } else {
        showPosition();
      }
    });
    speedSelect.addEventListener("change", function () {
      basePos = now();
      baseReal = performance.now();
      speed = Number(speedSelect.value);
      if (player.state === "playing") {
        status.textContent = "playing at " + speed + "\u00d7";
        if (timer !== null) {
          clearTimeout(timer);
        }
        tick();
      }
    });
    idleSelect.addEventListener("change", function () {
      // Keep the place: the next event starts where the last one shown ended.
      idleCap = Number(idleSelect.value);
      retime();
      basePos = player.index > 0 ? times[player.index - 1] : 0;
      baseReal = performance.now();
      showPosition();
    });

    retime();
    player.state = "ready";
    playButton.disabled = false;
    restartButton.disabled = false;
    status.textContent = player.events.length + " events, " + duration().toFixed(1) + " s";
    showPosition();
  }

  // The terminal's text, row by row, trailing blanks and empty rows off (for tests and the curious).
  player.text = function () {
    var buffer = player.term.buffer.active;
    var rows = [];
    for (var i = 0; i < buffer.length; i++) {
      rows.push(buffer.getLine(i).translateToString(true));
    }
    while (rows.length && rows[rows.length - 1] === "") {
      rows.pop();
    }
    return rows.join("\n");
  };

  if (NAME === null) {
    showList();
  } else {
    showPlayer();
  }
})();
