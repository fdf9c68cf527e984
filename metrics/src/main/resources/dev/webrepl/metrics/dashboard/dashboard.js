// The webrepl dashboard: polls /dashboard/data (the server keeps the history, so a new page starts
// with the last minutes) and draws one small uPlot chart per concern. For tests and for the curious,
// each chart's element carries data-points (samples shown) and data-max (largest value shown), and
// window.webreplDashboard holds the latest values.
(function () {
  "use strict";

  var POLL_MS = 1000;
  var HEIGHT = 180;

  // Each chart: the element id, its y-axis label, and its series (key in the data, label, colour).
  var CHARTS = [
    {id: "chart-sessions", axis: "sessions", series: [
      {key: "sessions", label: "open", stroke: "#1f6feb"}]},
    {id: "chart-terminals", axis: "terminals", series: [
      {key: "readWriteTerminals", label: "read-write", stroke: "#1f6feb"},
      {key: "viewers", label: "viewers", stroke: "#8250df"}]},
    {id: "chart-throughput", axis: "bytes/s", series: [
      {key: "bytesInPerSecond", label: "in", stroke: "#1a7f37"},
      {key: "bytesOutPerSecond", label: "out", stroke: "#bc4c00"}]},
    {id: "chart-echo", axis: "ms", series: [
      {key: "echoP50Millis", label: "p50", stroke: "#1f6feb"},
      {key: "echoP99Millis", label: "p99", stroke: "#cf222e"}]},
    {id: "chart-transfers", axis: "per interval", series: [
      {key: "transfers", label: "ended", stroke: "#1a7f37"},
      {key: "failedTransfers", label: "failed", stroke: "#cf222e"}]},
    // A client that goes away (cause peer-gone) is a terminal's normal end; the server deactivating
    // one (write error, slow consumer, a limit) is not: two series, so the second stands out.
    {id: "chart-deactivations", axis: "per interval", series: [
      {key: "disconnects", label: "disconnected", stroke: "#57606a"},
      {key: "deactivations", label: "deactivated", stroke: "#cf222e"}]}
  ];

  var state = {polls: 0, failures: 0, points: 0, latest: {}, charts: {}, plots: {}};
  window.webreplDashboard = state;

  function width(el) {
    return Math.max(300, el.clientWidth - 16);
  }

  // Tick values short enough to read: 950, 1.5k, 12M (bytes/s grow long otherwise).
  function compact(v) {
    var a = Math.abs(v);
    var units = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
    for (var i = 0; i < units.length; i++) {
      if (a >= units[i][0]) {
        return String(Number((v / units[i][0]).toPrecision(3))) + units[i][1];
      }
    }
    return String(Number(v.toPrecision(3)));
  }
  state.compact = compact;

  // The y axis is as wide as its longest tick label plus its title, measured in the canvas's own
  // font, so the title never runs into the values (a fixed width did, once the values grew).
  var LABEL_SIZE = 20;
  // Measured on every layout pass: a pass may change the splits, and so the values, of the one before.
  function yAxisSize(u, values, axisIdx) {
    var axis = u.axes[axisIdx];
    var longest = (values || []).reduce(function (acc, v) { return v.length > acc.length ? v : acc; }, "");
    u.ctx.font = axis.font[0];
    var text = u.ctx.measureText(longest).width / devicePixelRatio;
    return Math.ceil(axis.ticks.size + axis.gap + text + LABEL_SIZE + 8);
  }

  // The x axis: one clock time per tick, "09:57:16" (the samples are a second apart, so no tick falls
  // between seconds), and ticks at least one label plus a gap apart, measured in the canvas's own font.
  // uPlot's own time labels put the date under the first one, twice as wide as the space it keeps
  // between ticks, and it ran into the next (issue 17 item 17).
  var X_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  var X_GAP = 12;
  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function clock(seconds) {
    var d = new Date(seconds * 1000);
    return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
  }
  state.clock = clock;
  function xSpace(u) {
    u.ctx.font = u.axes[0].font[0];
    // Every digit is measured, not one: proportional digits differ in width.
    var widest = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"].reduce(function (acc, d) {
      return Math.max(acc, u.ctx.measureText(d + d + ":" + d + d + ":" + d + d).width);
    }, 0);
    return Math.ceil(widest / devicePixelRatio) + X_GAP;
  }

  function makeChart(spec) {
    var el = document.getElementById(spec.id);
    var title = document.createElement("h2");
    title.textContent = el.dataset.title + " (" + el.dataset.unit + ")";
    el.appendChild(title);
    var series = [{label: "time"}].concat(spec.series.map(function (s) {
      return {label: s.label, stroke: s.stroke, width: 2, spanGaps: false};
    }));
    var opts = {
      width: width(el),
      height: HEIGHT,
      series: series,
      scales: {x: {time: true}, y: {range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; }}},
      axes: [
        {label: "time", size: 40, space: xSpace, incrs: X_INCRS,
          values: function (u, splits) { return splits.map(clock); }},
        {label: spec.axis, labelSize: LABEL_SIZE, size: yAxisSize,
          values: function (u, splits) { return splits.map(compact); }}
      ],
      legend: {live: false}
    };
    var empty = [[]].concat(spec.series.map(function () { return []; }));
    var plot = new uPlot(opts, empty, el);
    state.plots[spec.id] = plot;
    return {spec: spec, el: el, plot: plot};
  }

  function maxOf(columns) {
    var max = 0;
    columns.forEach(function (col) {
      col.forEach(function (v) {
        if (v !== null && v > max) {
          max = v;
        }
      });
    });
    return max;
  }

  function lastOf(col) {
    for (var i = col.length - 1; i >= 0; i--) {
      if (col[i] !== null) {
        return col[i];
      }
    }
    return null;
  }

  function show(data) {
    var latest = {};
    Object.keys(data.series).forEach(function (key) {
      latest[key] = lastOf(data.series[key]);
    });
    charts.forEach(function (c) {
      var columns = c.spec.series.map(function (s) { return data.series[s.key]; });
      c.plot.setData([data.t].concat(columns));
      c.el.dataset.points = String(data.t.length);
      c.el.dataset.max = String(maxOf(columns));
      var bySeries = {};
      c.spec.series.forEach(function (s, i) { bySeries[s.key] = maxOf([columns[i]]); });
      state.charts[c.spec.id] = {points: data.t.length, max: maxOf(columns), maxBySeries: bySeries};
    });
    state.points = data.t.length;
    state.latest = latest;
    var status = document.getElementById("status");
    status.className = "";
    status.textContent = data.t.length + " samples, every " + data.intervalSeconds + " s; "
        + "sessions open: " + (latest.sessions === null ? 0 : latest.sessions);
  }

  // A duration in words, coarse as a person reads it: 42 s, 5 min, 3 h 20 min, 2 d 4 h.
  function ago(fromIso, nowMs) {
    var s = Math.max(0, Math.floor((nowMs - Date.parse(fromIso)) / 1000));
    if (s < 60) { return s + " s"; }
    var m = Math.floor(s / 60);
    if (m < 60) { return m + " min"; }
    var h = Math.floor(m / 60);
    if (h < 24) { return h + " h " + (m % 60) + " min"; }
    return Math.floor(h / 24) + " d " + (h % 24) + " h";
  }

  function showSessions(list) {
    var body = document.querySelector("#session-table tbody");
    var now = Date.now();
    var rows = list.slice().sort(function (a, b) { return a.created < b.created ? -1 : a.created > b.created ? 1 : 0; })
      .map(function (s) {
        var tr = document.createElement("tr");
        tr.dataset.id = s.id;
        [s.id, s.engine, ago(s.created, now), s.terminals, s.viewers, s.bytesIn, s.bytesOut, ago(s.lastActivity, now)]
          .forEach(function (v) {
            var td = document.createElement("td");
            td.textContent = String(v);
            tr.appendChild(td);
          });
        return tr;
      });
    body.replaceChildren.apply(body, rows);
    document.getElementById("no-sessions").hidden = rows.length > 0;
    state.sessions = list.length;
  }

  // With --admin-token-file the data needs the token: open /dashboard#token=TOKEN. A fragment never
  // leaves the browser, so the token is in no request line or log; it is sent only as a header.
  var TOKEN = (/(?:^#|&)token=([^&]+)/.exec(location.hash) || [])[1];
  var HEADERS = TOKEN ? {"Authorization": "Bearer " + decodeURIComponent(TOKEN)} : {};

  function load(path) {
    return fetch(path, {cache: "no-store", headers: HEADERS})
      .then(function (r) {
        if (r.status === 401) {
          throw new Error("HTTP 401: this server needs its admin token; open /dashboard#token=TOKEN");
        }
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.json();
      });
  }

  function poll() {
    load("/dashboard/data")
      .then(function (data) {
        show(data);
        return load("/sessions");
      })
      .then(function (list) {
        showSessions(list);
        state.polls++;
      })
      .catch(function (e) {
        state.failures++;
        var status = document.getElementById("status");
        status.className = "failing";
        status.textContent = "cannot load data: " + e.message;
      })
      .then(function () {
        setTimeout(poll, POLL_MS);
      });
  }

  var charts = CHARTS.map(makeChart);
  window.addEventListener("resize", function () {
    charts.forEach(function (c) {
      c.plot.setSize({width: width(c.el), height: HEIGHT});
    });
  });
  poll();
})();
