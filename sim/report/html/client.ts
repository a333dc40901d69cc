/**
 * The browser-side code of every report page: it reads the page's JSON and draws its charts with
 * uPlot.
 *
 * Owns: the chart kinds — `lines` (a time series), `timeline` (modes, alarms, fault onsets and
 * detections, drawn on the canvas) and `bars` (per-cycle or per-cell figures) — the time axis in
 * "d hh:mm", and linking the charts of one group: the cursor (uPlot's cursor sync) and the zoom
 * (a drag zooms every chart of the group, a double click resets them).
 * Promises: plain ES2017 that needs nothing but the uPlot global; when every chart is drawn it
 * sets `window.pumpsimReport = { ready: true, charts }` (charts by id, for tests and the console).
 * The raised-alarm marker is drawn in ALARM_RAISED_COLOUR, which nothing else on a timeline uses.
 */

/** The colour of a raised-alarm marker on the timeline (tests look for it). */
export const ALARM_RAISED_COLOUR = '#d62728';

export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var charts = {};
  var groups = {};
  var ALARM = '${ALARM_RAISED_COLOUR}';
  var MODE_COLOURS = ['#9ecae1', '#a1d99b', '#fdd0a2', '#dadaeb', '#c7e9c0', '#fdae6b', '#bcbddc', '#c6dbef', '#e7cb94', '#cedb9c'];
  var modeColour = {};
  var INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 345600, 604800, 1209600];
  function pad(x) { return (x < 10 ? '0' : '') + x; }
  function clock(s, step) {
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
    var text = d + ' d ' + pad(h) + ':' + pad(m);
    return step < 60 ? text + ':' + pad(sec) : text;
  }
  function timeAxis() {
    return { scale: 'x', incrs: INCRS, space: 90, values: function (u, splits, ax, space, incr) { return splits.map(function (s) { return clock(s, incr); }); } };
  }
  function width(el) { return Math.max(480, (el.clientWidth || 1100) - 8); }
  function linkZoom(u, group) {
    var syncing = false;
    return function (self, key) {
      if (key !== 'x' || groups[group].syncing) return;
      groups[group].syncing = true;
      groups[group].charts.forEach(function (o) { if (o !== self) o.setScale('x', { min: self.scales.x.min, max: self.scales.x.max }); });
      groups[group].syncing = false;
    };
  }
  function groupOf(name) {
    if (!groups[name]) groups[name] = { charts: [], syncing: false, sync: uPlot.sync(name) };
    return groups[name];
  }
  function timeScale(spec, trace) {
    var t = trace.timeS;
    var end = spec.events && spec.events.endS !== undefined ? spec.events.endS : t[t.length - 1];
    return { time: false, range: function (u, min, max) { return min === max ? [min - 1, max + 1] : [min, max]; } };
  }
  function linesChart(el, spec) {
    var trace = data.traces[spec.trace];
    var g = groupOf(spec.group);
    var series = [{ label: 'time', value: function (u, v) { return v === null ? '–' : clock(v, 1); } }];
    var cols = [trace.timeS];
    spec.series.forEach(function (s) {
      series.push({ label: s.label, stroke: s.stroke, width: s.width || 1.25, dash: s.dash, fill: s.fill, spanGaps: false, points: { show: false } });
      cols.push(trace.cols[s.col]);
    });
    var opts = {
      title: spec.title, width: width(el), height: spec.height || 210,
      cursor: { sync: { key: g.sync.key, setSeries: false }, drag: { x: true, y: false } },
      scales: { x: timeScale(spec, trace) },
      axes: [timeAxis(), { label: spec.yLabel, size: 60 }],
      series: series,
      hooks: { setScale: [linkZoom(null, spec.group)] },
    };
    var u = new uPlot(opts, cols, el);
    g.charts.push(u);
    return u;
  }
  function timelineChart(el, spec) {
    var trace = data.traces[spec.trace];
    var ev = spec.events;
    var g = groupOf(spec.group);
    var x = [trace.timeS[0], ev.endS];
    function px(u, s) { return u.valToPos(s, 'x', true); }
    function draw(u) {
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height, left = u.bbox.left, right = left + u.bbox.width;
      var row = h / 3, dpr = devicePixelRatio || 1;
      ctx.save();
      ctx.beginPath(); ctx.rect(left, top, u.bbox.width, h); ctx.clip();
      ctx.font = (11 * dpr) + 'px sans-serif'; ctx.textBaseline = 'middle'; ctx.textAlign = 'left';
      ev.modes.forEach(function (m) {
        if (!modeColour[m.mode]) modeColour[m.mode] = MODE_COLOURS[Object.keys(modeColour).length % MODE_COLOURS.length];
        var a = px(u, m.fromS), b = px(u, m.toS);
        ctx.fillStyle = modeColour[m.mode];
        ctx.fillRect(a, top + 2, Math.max(1, b - a), row - 4);
        if (b - a > ctx.measureText(m.mode).width + 6) { ctx.fillStyle = '#333'; ctx.fillText(m.mode, a + 3, top + row / 2); }
      });
      ev.alarms.forEach(function (a) {
        var xr = px(u, a.raisedS);
        var xe = a.clearedS === null ? right : px(u, a.clearedS);
        ctx.fillStyle = 'rgba(214,39,40,0.15)';
        ctx.fillRect(xr, top + row + 2, Math.max(1, xe - xr), row - 4);
        ctx.fillStyle = ALARM;
        ctx.fillRect(Math.round(xr) - dpr, top + row, 2 * dpr, row);
        ctx.fillStyle = '#333'; ctx.fillText(a.code, xr + 4 * dpr, top + row + row / 3);
        if (a.ackS !== null) { ctx.fillStyle = '#ff7f0e'; ctx.fillRect(Math.round(px(u, a.ackS)) - dpr, top + row + row / 2, 2 * dpr, row / 2); }
        if (a.clearedS !== null) { ctx.fillStyle = '#2ca02c'; ctx.fillRect(Math.round(xe) - dpr, top + row, 2 * dpr, row); }
      });
      ev.faults.forEach(function (f) {
        var xo = px(u, f.onsetS), y = top + 2 * row;
        ctx.fillStyle = '#6a3d9a';
        ctx.fillRect(Math.round(xo) - dpr, y, 2 * dpr, row);
        var label = f.kind + (f.detectedS === null ? ' — not detected' : ' → ' + f.code + ' after ' + f.latencyS + ' s');
        if (f.detectedS !== null) {
          var xd = px(u, f.detectedS);
          ctx.strokeStyle = '#6a3d9a'; ctx.lineWidth = dpr;
          ctx.beginPath(); ctx.moveTo(xo, y + row / 2); ctx.lineTo(Math.max(xd, xo + 1), y + row / 2); ctx.stroke();
        }
        ctx.fillStyle = '#333'; ctx.fillText(label, xo + 4 * dpr, y + row / 4);
      });
      ctx.restore();
    }
    var opts = {
      title: spec.title, width: width(el), height: spec.height || 150,
      cursor: { sync: { key: g.sync.key, setSeries: false }, drag: { x: true, y: false }, points: { show: false } },
      scales: { x: { time: false }, y: { range: [0, 3] } },
      axes: [timeAxis(), { size: 60, values: function () { return []; }, splits: function () { return [0.5, 1.5, 2.5]; }, grid: { show: false }, ticks: { show: false } }],
      series: [{ label: 'time', value: function (u, v) { return v === null ? '–' : clock(v, 1); } }, { label: 'modes · alarms · faults', stroke: 'transparent', points: { show: false } }],
      legend: { show: true },
      hooks: { draw: [draw], setScale: [linkZoom(null, spec.group)] },
    };
    var u = new uPlot(opts, [x, [null, null]], el);
    g.charts.push(u);
    return u;
  }
  function barsChart(el, spec) {
    var trace = data.traces[spec.trace];
    var n = spec.series.length, unit = spec.barWidth || 1, slot = 0.8 * unit / n;
    var series = [{ label: spec.xLabel, value: function (u, v) { return v === null ? '–' : String(v); } }];
    var cols = [trace.timeS];
    spec.series.forEach(function (s) {
      series.push({ label: s.label, stroke: s.stroke, fill: s.stroke, width: 1, points: { show: false }, paths: function () { return null; } });
      cols.push(trace.cols[s.col]);
    });
    function draw(u) {
      var ctx = u.ctx;
      ctx.save();
      for (var i = 0; i < n; i++) {
        if (!u.series[i + 1].show) continue;
        ctx.fillStyle = spec.series[i].stroke;
        for (var j = 0; j < u.data[0].length; j++) {
          var v = u.data[i + 1][j];
          if (v === null || v === undefined) continue;
          var x = u.data[0][j];
          var x0 = u.valToPos(x - 0.4 * unit + i * slot, 'x', true), x1 = u.valToPos(x - 0.4 * unit + (i + 1) * slot, 'x', true);
          var y0 = u.valToPos(0, 'y', true), y1 = u.valToPos(v, 'y', true);
          ctx.fillRect(x0, Math.min(y0, y1), Math.max(1, x1 - x0 - 1), Math.max(1, Math.abs(y0 - y1)));
        }
      }
      ctx.restore();
    }
    var xs = trace.timeS;
    var opts = {
      title: spec.title, width: width(el), height: spec.height || 220,
      cursor: { points: { show: false } },
      scales: { x: { time: false, range: [xs[0] - 0.6 * unit, xs[xs.length - 1] + 0.6 * unit] }, y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } },
      axes: [{ label: spec.xLabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000], values: function (u, s) { return s.map(function (v) { return Number.isInteger(v) ? String(v) : ''; }); } }, { label: spec.yLabel, size: 60 }],
      series: series,
      hooks: { draw: [draw] },
    };
    return new uPlot(opts, cols, el);
  }
  Object.keys(data.charts).forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) return;
    var spec = data.charts[id];
    charts[id] = spec.kind === 'timeline' ? timelineChart(el, spec) : spec.kind === 'bars' ? barsChart(el, spec) : linesChart(el, spec);
  });
  window.pumpsimReport = { ready: true, charts: charts };
})();
`;
